using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Onnx;
using ReId.Inference;
using ReIdTrainer.Cli;
using ReIdTrainer.Models;
using TorchSharp;
using static ReIdTrainer.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;
using ModelMetadata = ReId.Core.Models.ModelMetadata;

namespace ReIdTrainer.Onnx;

/// <param name="MaxAbsDiff">Largest |ONNX Runtime - TorchSharp eval| over all parity inputs.</param>
public sealed record OnnxExportResult(string OutputPath, ModelMetadata Metadata, float MaxAbsDiff, int ParitySamples);

/// <summary>
/// Writes an <see cref="EmbeddingNet"/> as ONNX. TorchSharp has no exporter, so the graph is built
/// from the weights: every Conv+BatchNorm becomes one Conv with the eval-mode BatchNorm folded in,
/// the BNNeck is folded into the projection Gemm (or becomes Mul+Add without one), and the output is
/// L2-normalised in the graph. The output file only ever holds a model that matched the TorchSharp
/// model in eval mode within <see cref="Tolerance"/> in ONNX Runtime.
/// </summary>
public static class OnnxExporter
{
    public const string InputName = "input";
    public const string OutputName = "embedding";
    /// <summary>Every op used exists unchanged since opset 13; 17 is old enough for any ORT a site runs.</summary>
    public const int Opset = 17;
    public const long IrVersion = 8;
    public const float Tolerance = 1e-4f;

    /// <summary>Batch sizes of the parity inputs: 1 and odd sizes catch a graph that assumes a batch.</summary>
    private static readonly int[] ParityBatches = [1, 2, 3];
    private const ulong ParitySeed = 20261128;

    public static OnnxExportResult Export(EmbeddingNet net, ModelMetadata metadata, string outputPath, ILogger logger) =>
        VerifyAndWrite(Build(net, metadata), net, outputPath, logger);

    /// <summary>
    /// The ONNX model of <paramref name="net"/> in eval mode. <paramref name="metadata"/> supplies the
    /// preprocessing, input size and model identity; the fields the graph itself determines (input
    /// name, layout, embedding dimension, normalised output, cosine distance) are set here.
    /// </summary>
    public static ModelProto Build(EmbeddingNet net, ModelMetadata metadata)
    {
        var m = metadata with
        {
            InputName = InputName,
            Layout = "NCHW",
            EmbeddingDim = net.EmbeddingDim,
            OutputNormalized = true,
            Distance = "cosine",
        };
        bool wasTraining = net.training;
        net.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var graph = new GraphProto { Name = $"{m.ModelName}-{m.ModelVersion}" };
            var b = new OnnxGraphBuilder(graph);
            graph.Input.Add(new ValueInfoProto
            {
                Name = InputName,
                Type = FloatTensor(Dim("batch"), Dim(3), Dim(m.InputHeight), Dim(m.InputWidth)),
            });

            string map = net.Backbone switch
            {
                LightBackbone light => EmitLight(b, light, InputName),
                ResNet18Backbone resnet => EmitResNet18(b, resnet, InputName),
                var other => throw new NotSupportedException($"backbone {other.GetType().Name} has no ONNX export"),
            };
            string pooled = b.Node("GlobalAveragePool", "head/pool", [map]);
            string feature = b.Node("Flatten", "head/flatten", [pooled], Int("axis", 1));
            string bn = EmitHead(b, net, feature);
            b.Node("LpNormalization", OutputName, [bn], Int("axis", 1), Int("p", 2));
            graph.Output.Add(new ValueInfoProto { Name = OutputName, Type = FloatTensor(Dim("batch"), Dim(net.EmbeddingDim)) });

            var model = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "reid-train export",
                ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
                DocString = $"{m.ModelName} {m.ModelVersion}: {net.Backbone.GetType().Name}, {net.EmbeddingDim}-d BNNeck embedding, L2-normalised; BatchNorm folded into Conv/Gemm (eval mode).",
                Graph = graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            foreach (var (key, value) in m.ToProperties().OrderBy(p => p.Key, StringComparer.Ordinal))
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            return model;
        }
        finally
        {
            net.train(wasTraining);
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> beside <paramref name="outputPath"/>, runs it in ONNX Runtime
    /// (CPU) against <paramref name="net"/> in eval mode on random inputs, and renames it over
    /// <paramref name="outputPath"/> only when they agree within <see cref="Tolerance"/>.
    /// </summary>
    public static OnnxExportResult VerifyAndWrite(ModelProto model, EmbeddingNet net, string outputPath, ILogger logger)
    {
        var metadata = ModelMetadata.FromProperties(model.MetadataProps.ToDictionary(p => p.Key, p => p.Value));
        string outFull = Path.GetFullPath(outputPath);
        if (Directory.Exists(outFull))
            throw new TrainerException($"--out '{outputPath}' is a directory; pass a file path such as models/reid-light.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(outFull)!);
        string candidate = $"{outFull}.{Environment.ProcessId}.partial";
        try
        {
            using (var stream = File.Create(candidate))
                model.WriteTo(stream);
            var (diff, samples) = MeasureParity(candidate, net, metadata, logger);
            logger.LogInformation("Export parity: max |ONNX - TorchSharp| {Diff:G3} over {Samples} random inputs (limit {Limit:G3})", diff, samples, Tolerance);
            // Written as a negation so NaN (a broken graph) is refused too.
            if (!(diff <= Tolerance))
                throw new TrainerException(
                    $"export refused: the ONNX graph differs from the TorchSharp model in eval mode by max |diff| {diff:G3} (limit {Tolerance:G3}) over {samples} random inputs; nothing was written to '{outputPath}'. This is an exporter defect; report it with the backbone name ({net.Backbone.GetType().Name})");
            File.Move(candidate, outFull, overwrite: true);
            return new OnnxExportResult(outFull, metadata, diff, samples);
        }
        finally
        {
            if (File.Exists(candidate)) File.Delete(candidate);
        }
    }

    private static (float MaxAbsDiff, int Samples) MeasureParity(string path, EmbeddingNet net, ModelMetadata metadata, ILogger logger)
    {
        using var ort = OrtSessionFactory.Open(path, DevicePreference.Cpu, logger);
        bool wasTraining = net.training;
        net.eval();
        try
        {
            using var gen = new torch.Generator(ParitySeed);
            float worst = 0;
            int samples = 0;
            foreach (int n in ParityBatches)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                long[] shape = [n, 3, metadata.InputHeight, metadata.InputWidth];
                var x = randn(shape, generator: gen);
                float[] expected = net.forward(x).data<float>().ToArray();
                float[] actual = ResNet18Verifier.Run(ort.Session, x.data<float>().ToArray(), shape, out var outShape);
                if (!outShape.SequenceEqual([n, net.EmbeddingDim]))
                    throw new TrainerException(
                        $"export refused: the ONNX graph outputs [{string.Join(",", outShape)}] for a batch of {n} where the TorchSharp model gives [{n},{net.EmbeddingDim}]; nothing was written. This is an exporter defect; report it with the backbone name ({net.Backbone.GetType().Name})");
                // Math.Max keeps a NaN once seen, so a NaN anywhere fails the check.
                worst = Math.Max(worst, ResNet18Verifier.MaxAbsDiff(expected, actual));
                samples += n;
            }
            return (worst, samples);
        }
        finally
        {
            net.train(wasTraining);
        }
    }

    private static string EmitLight(OnnxGraphBuilder b, LightBackbone backbone, string input)
    {
        string x = input;
        var stages = backbone.Stages;
        for (int i = 0; i < stages.Count; i++)
            x = EmitConvBn(b, stages[i], x, $"backbone/stage{i}");
        return x;
    }

    private static string EmitResNet18(OnnxGraphBuilder b, ResNet18Backbone backbone, string input)
    {
        string x = EmitConvBn(b, backbone.Stem, input, "backbone/stem");
        const int k = ResNet18Backbone.PoolKernel, s = ResNet18Backbone.PoolStride, p = ResNet18Backbone.PoolPadding;
        x = b.Node("MaxPool", "backbone/pool", [x], Ints("kernel_shape", k, k), Ints("strides", s, s), Ints("pads", p, p, p, p));
        var blocks = backbone.Blocks;
        for (int i = 0; i < blocks.Count; i++)
        {
            string name = $"backbone/block{i}";
            var block = blocks[i];
            string y = EmitConvBn(b, block.Conv1, x, $"{name}/conv1");
            y = EmitConvBn(b, block.Conv2, y, $"{name}/conv2");
            string shortcut = block.Downsample is { } down ? EmitConvBn(b, down, x, $"{name}/downsample") : x;
            string sum = b.Node("Add", $"{name}/add", [y, shortcut]);
            x = b.Node("Relu", $"{name}/relu", [sum]);
        }
        return x;
    }

    /// <summary>
    /// Conv (no bias) then eval-mode BatchNorm is y = s * (W*x - mean) + beta with
    /// s = gamma / sqrt(var + eps) per output channel, i.e. one Conv with W' = s * W and
    /// bias b' = beta - s * mean. Folded in double so the only float rounding is the final one.
    /// </summary>
    private static string EmitConvBn(OnnxGraphBuilder b, ConvBn unit, string input, string name)
    {
        var weight = unit.Conv.weight!;
        long[] dims = weight.shape;
        double[] w = Doubles(weight);
        var (scale, shift) = BnAffine(unit.Bn.weight!, unit.Bn.bias!, unit.Bn.running_mean!, unit.Bn.running_var!, unit.Bn.eps);
        long perOut = w.Length / dims[0];
        var folded = new float[w.Length];
        for (long o = 0; o < dims[0]; o++)
            for (long i = 0; i < perOut; i++)
                folded[o * perOut + i] = (float)(w[o * perOut + i] * scale[o]);
        string wName = b.Initializer($"{name}/weight", folded, dims);
        string bName = b.Initializer($"{name}/bias", [.. shift.Select(v => (float)v)], dims[0]);
        int s = unit.Stride, p = unit.Padding;
        string conv = b.Node("Conv", name, [input, wName, bName],
            Ints("kernel_shape", dims[2], dims[3]), Ints("strides", s, s), Ints("pads", p, p, p, p));
        return unit.Relu ? b.Node("Relu", $"{name}/relu", [conv]) : conv;
    }

    /// <summary>
    /// The BNNeck in eval mode is y = s * (f - mean) + beta. With a projection f = W x + c, so the
    /// whole head is one Gemm with W' = s * W (per row) and c' = s * (c - mean) + beta; without one
    /// it is Mul by s then Add of beta - s * mean.
    /// </summary>
    private static string EmitHead(OnnxGraphBuilder b, EmbeddingNet net, string feature)
    {
        var bn = net.BnNeck;
        var (scale, shift) = BnAffine(bn.weight!, bn.bias!, bn.running_mean!, bn.running_var!, bn.eps);
        int d = net.EmbeddingDim;
        if (net.Projection is { } proj)
        {
            double[] w = Doubles(proj.weight!);
            double[] c = proj.bias is { } bias ? Doubles(bias) : new double[d];
            long inDim = w.Length / d;
            var fw = new float[w.Length];
            var fc = new float[d];
            for (int o = 0; o < d; o++)
            {
                for (long i = 0; i < inDim; i++) fw[o * inDim + i] = (float)(w[o * inDim + i] * scale[o]);
                // shift = beta - s * mean, so s * (c - mean) + beta = s * c + shift.
                fc[o] = (float)(scale[o] * c[o] + shift[o]);
            }
            string wName = b.Initializer("head/projection_bnneck/weight", fw, d, inDim);
            string cName = b.Initializer("head/projection_bnneck/bias", fc, d);
            return b.Node("Gemm", "head/projection_bnneck", [feature, wName, cName], Int("transB", 1));
        }
        string sName = b.Initializer("head/bnneck/scale", [.. scale.Select(v => (float)v)], d);
        string tName = b.Initializer("head/bnneck/shift", [.. shift.Select(v => (float)v)], d);
        string scaled = b.Node("Mul", "head/bnneck/mul", [feature, sName]);
        return b.Node("Add", "head/bnneck", [scaled, tName]);
    }

    private static (double[] Scale, double[] Shift) BnAffine(Tensor gamma, Tensor beta, Tensor mean, Tensor var, double eps)
    {
        double[] g = Doubles(gamma), bt = Doubles(beta), mu = Doubles(mean), v = Doubles(var);
        var scale = new double[g.Length];
        var shift = new double[g.Length];
        for (int i = 0; i < g.Length; i++)
        {
            scale[i] = g[i] / Math.Sqrt(v[i] + eps);
            shift[i] = bt[i] - scale[i] * mu[i];
        }
        return (scale, shift);
    }

    private static double[] Doubles(Tensor t)
    {
        using var d = t.detach().cpu().to_type(ScalarType.Float64);
        return d.data<double>().ToArray();
    }
}
