using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Core.Models;
using ModelMetadata = ReId.Core.Models.ModelMetadata;
using ReId.Vision.Imaging;

namespace ReId.Inference;

/// <summary>A person crop to embed: a box of a BGR frame. The frame is borrowed for the call.</summary>
public readonly record struct Crop(Mat Frame, Box Box);

/// <summary>
/// Embeds person crops with a re-ID ONNX model through ONNX Runtime. Preprocessing comes from
/// the model's own metadata (see <see cref="ModelMetadata"/>), optionally overridden for foreign
/// models. Output vectors are always L2-normalised so cosine similarity is a dot product.
/// Thread-safe: ORT sessions may be run concurrently and each call owns its buffers.
/// </summary>
public sealed class Embedder : IDisposable
{
    private readonly OrtModel _model;
    private readonly CropPreprocessor _preprocessor;
    private readonly string _outputName;
    private readonly int? _fixedBatch;

    public ModelMetadata Metadata { get; }
    public int Dimension => Metadata.EmbeddingDim;
    public string Provider => _model.Provider;
    public int MaxBatch { get; }

    private Embedder(OrtModel model, ModelMetadata metadata, string outputName, int? fixedBatch, int maxBatch)
    {
        _model = model;
        Metadata = metadata;
        _outputName = outputName;
        _fixedBatch = fixedBatch;
        MaxBatch = fixedBatch ?? maxBatch;
        _preprocessor = new CropPreprocessor(metadata);
    }

    /// <summary>
    /// Opens a model and checks that its input and output fit an embedder; a model that does not
    /// gets a <see cref="ModelLoadException"/> naming the file and what is wrong.
    /// </summary>
    /// <param name="overrides">Keys of <see cref="ModelMetadata.Keys"/> that replace the file's own.</param>
    public static Embedder Open(string modelPath, DevicePreference device, ILogger logger,
        IReadOnlyDictionary<string, string>? overrides = null, int maxBatch = 32)
    {
        var model = OrtSessionFactory.Open(modelPath, device, logger);
        try
        {
            var props = new Dictionary<string, string>(model.Session.ModelMetadata.CustomMetadataMap);
            foreach (var (k, v) in overrides ?? new Dictionary<string, string>()) props[k] = v;
            ModelMetadata metadata;
            try { metadata = ModelMetadata.FromProperties(props); }
            catch (FormatException ex) { throw new ModelLoadException($"model '{modelPath}': {ex.Message}; fix the metadata or override it"); }

            string[] preprocessing = [ModelMetadata.Keys.ChannelOrder, ModelMetadata.Keys.PixelScale, ModelMetadata.Keys.Mean, ModelMetadata.Keys.Std];
            if (preprocessing.Where(k => !props.ContainsKey(k)).ToList() is { Count: > 0 } absent)
                // A wrong guess here silently ruins embeddings (cosine 0.3 instead of 0.99 for the
                // baseline model), so say loudly that defaults are in use.
                logger.LogWarning("Model {Model} declares no {Keys}; assuming RGB, 1/255, ImageNet mean/std. Declare them in its metadata if that is wrong",
                    Path.GetFileName(modelPath), string.Join(", ", absent));

            var inputs = model.Session.InputMetadata;
            if (inputs.Count != 1)
                throw new ModelLoadException($"model '{modelPath}' has {inputs.Count} inputs; an embedding model takes one image tensor [N,3,H,W]");
            var (inputName, input) = inputs.First();
            if (!props.ContainsKey(ModelMetadata.Keys.InputName)) metadata = metadata with { InputName = inputName };
            else if (metadata.InputName != inputName)
                throw new ModelLoadException($"model '{modelPath}' metadata names input '{metadata.InputName}' but the graph's input is '{inputName}'; fix reid.input_name");
            int[] inShape = input.Dimensions;
            if (input.ElementType != typeof(float) || inShape.Length != 4 || inShape[1] != 3)
                throw new ModelLoadException($"model '{modelPath}' input '{inputName}' is {Describe(input)}; an embedding model takes float [N,3,H,W]");
            if (inShape[2] > 0 && inShape[2] != metadata.InputHeight || inShape[3] > 0 && inShape[3] != metadata.InputWidth)
                throw new ModelLoadException($"model '{modelPath}' input is {Describe(input)} but its metadata says {metadata.InputHeight}x{metadata.InputWidth}; fix reid.input_height/width");

            var (outputName, output) = model.Session.OutputMetadata.First();
            int[] outShape = output.Dimensions;
            int dim = outShape.Length switch
            {
                2 => outShape[1],
                4 when outShape[2] == 1 && outShape[3] == 1 => outShape[1],
                _ => -1,
            };
            if (output.ElementType != typeof(float) || dim <= 0)
                throw new ModelLoadException($"model '{modelPath}' output '{outputName}' is {Describe(output)}; an embedding model outputs float [N,D] (or [N,D,1,1])");
            if (metadata.EmbeddingDim != 0 && metadata.EmbeddingDim != dim)
                throw new ModelLoadException($"model '{modelPath}' outputs {dim}-d vectors but its metadata says {metadata.EmbeddingDim}; fix reid.embedding_dim");
            metadata = metadata with { EmbeddingDim = dim };

            int? fixedBatch = inShape[0] > 0 ? inShape[0] : null;
            return new Embedder(model, metadata, outputName, fixedBatch, maxBatch);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>One L2-normalised embedding per crop, in order. Crops are batched up to <see cref="MaxBatch"/>.</summary>
    public float[][] Embed(IReadOnlyList<Crop> crops)
    {
        var result = new float[crops.Count][];
        for (int start = 0; start < crops.Count; start += MaxBatch)
        {
            int n = Math.Min(MaxBatch, crops.Count - start);
            EmbedBatch(crops, start, n, result);
        }
        return result;
    }

    private void EmbedBatch(IReadOnlyList<Crop> crops, int start, int n, float[][] result)
    {
        int batch = _fixedBatch ?? n; // a fixed-batch model gets zero-padded batches
        int len = _preprocessor.CropLength;
        var buffer = new float[batch * len];
        for (int i = 0; i < n; i++)
            _preprocessor.Write(crops[start + i].Frame, crops[start + i].Box, buffer.AsSpan(i * len, len));

        long[] shape = [batch, 3, _preprocessor.Height, _preprocessor.Width];
        using var input = OrtValue.CreateTensorValueFromMemory(buffer, shape);
        using var runOptions = new RunOptions();
        using var outputs = _model.Session.Run(runOptions, [Metadata.InputName], [input], [_outputName]);
        ReadOnlySpan<float> data = outputs[0].GetTensorDataAsSpan<float>();
        int d = Dimension;
        for (int i = 0; i < n; i++)
        {
            var v = data.Slice(i * d, d).ToArray();
            L2Normalize(v);
            result[start + i] = v;
        }
    }

    public static void L2Normalize(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 1e-12f) TensorPrimitives.Divide(v, norm, v);
    }

    private static string Describe(NodeMetadata m) =>
        $"{m.ElementType.Name} [{string.Join(",", m.Dimensions.Select(d => d > 0 ? d.ToString() : "?"))}]";

    public void Dispose() => _model.Dispose();
}
