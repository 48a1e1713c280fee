using Onnx;
using ReId.Core.Models;

namespace ReIdTrainer.Onnx;

/// <summary>
/// Turns the CNTK-exported ImageNet ResNet-18 (fixed [1,3,224,224] in, [1,512,1,1] out) into an
/// embedding model the worker can batch: input <c>input</c> [batch,3,height,width], output
/// <c>embedding</c> [batch,512], L2-normalised, with its preprocessing in <c>metadata_props</c>.
/// Weights and every layer up to the last ReLU are kept bit for bit.
/// </summary>
public static class ResNet18Importer
{
    public const string InputName = "input";
    public const string OutputName = "embedding";
    public const string ModelName = "resnet18-imagenet";
    public const string ModelVersion = "1.0.0";
    public const string TrainingData = "ImageNet-1k classification (no re-ID training)";

    /// <summary>
    /// Every op of the source graph. Anything else (Reshape, Flatten, Gemm, ...) could carry a
    /// hard-coded batch of 1 that the parity check at batch 1 would not reveal, so it is refused
    /// rather than guessed at. The 0.23.1 file has no Reshape at all.
    /// </summary>
    private static readonly HashSet<string> KnownOps = ["Conv", "BatchNormalization", "Relu", "MaxPool", "Add", "AveragePool"];

    public static ModelMetadata Metadata(NetworkPreprocessing prep, int embeddingDim, int height, int width) => new()
    {
        InputName = InputName,
        Layout = "NCHW",
        InputHeight = height,
        InputWidth = width,
        ChannelOrder = prep.ChannelOrder,
        PixelScale = prep.PixelScale,
        Mean = prep.Mean,
        Std = prep.Std,
        EmbeddingDim = embeddingDim,
        OutputNormalized = true,
        Distance = "cosine",
        ModelName = ModelName,
        ModelVersion = ModelVersion,
        TrainingData = TrainingData,
    };

    /// <summary>Returns a new model; <paramref name="source"/> is not modified.</summary>
    public static (ModelProto Model, ModelMetadata Metadata) Convert(
        ModelProto source, string sourcePath, NetworkPreprocessing prep, int height, int width)
    {
        var model = source.Clone();
        var g = model.Graph;
        var initNames = g.Initializer.Select(t => t.Name).ToHashSet();

        var unknown = g.Node.FirstOrDefault(n => !KnownOps.Contains(n.OpType));
        if (unknown is not null)
            throw Unexpected(sourcePath, $"op {unknown.OpType} (node '{unknown.Name}') is not part of the known ResNet-18 graph");

        var inputs = g.Input.Where(i => !initNames.Contains(i.Name)).ToList();
        if (inputs.Count != 1 || g.Output.Count != 1)
            throw Unexpected(sourcePath, $"{inputs.Count} inputs and {g.Output.Count} outputs, expected one of each");
        var input = inputs[0];
        var inDims = input.Type.TensorType.Shape.Dim;
        if (inDims.Count != 4 || inDims[1].DimValue != 3)
            throw Unexpected(sourcePath, $"input '{input.Name}' is not [N,3,H,W]");

        var output = g.Output[0];
        var outDims = output.Type.TensorType.Shape.Dim;
        if (outDims.Count != 4 || outDims[1].DimValue <= 0)
            throw Unexpected(sourcePath, $"output '{output.Name}' is not [N,C,1,1]");
        int embeddingDim = checked((int)outDims[1].DimValue);

        var last = g.Node[^1];
        if (last.OpType != "AveragePool" || last.Output.Count != 1 || last.Output[0] != output.Name)
            throw Unexpected(sourcePath, $"the output is produced by {last.OpType}, expected the final AveragePool");
        CheckPoolCoversWholeMap(g, last, sourcePath);

        // Shapes recorded for every intermediate tensor are those of a 1x3x224x224 input; left in,
        // they would contradict a 256x128 or batched input, so ONNX Runtime re-infers them instead.
        g.ValueInfo.Clear();

        string oldInput = input.Name;
        input.Name = InputName;
        input.Type = FloatTensor(Dim("batch"), Dim(3), Dim("height"), Dim("width"));
        foreach (var node in g.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == oldInput) node.Input[i] = InputName;

        // The 7x7 AveragePool only fits a 224x224 input; GlobalAveragePool computes the same mean
        // there and the right one at any other size.
        g.Node.RemoveAt(g.Node.Count - 1);
        const string pooled = "pooled", features = "features";
        g.Node.Add(new NodeProto { Name = "GlobalPool", OpType = "GlobalAveragePool", Input = { last.Input[0] }, Output = { pooled } });
        g.Node.Add(new NodeProto { Name = "Flatten", OpType = "Flatten", Input = { pooled }, Output = { features }, Attribute = { IntAttr("axis", 1) } });
        // Normalised here so that cosine similarity is a dot product for every consumer.
        g.Node.Add(new NodeProto
        {
            Name = "L2Normalize", OpType = "LpNormalization", Input = { features }, Output = { OutputName },
            Attribute = { IntAttr("axis", 1), IntAttr("p", 2) },
        });
        g.Output.Clear();
        g.Output.Add(new ValueInfoProto { Name = OutputName, Type = FloatTensor(Dim("batch"), Dim(embeddingDim)) });

        // IR 3 demands that initializers are listed as graph inputs; CNTK did not list them, which
        // ONNX Runtime tolerates but strict checkers reject. IR 4 is the first version where this
        // graph is valid as it stands; opset 8 keeps the operator semantics of the source.
        model.IrVersion = Math.Max(model.IrVersion, 4);
        model.ProducerName = "reid-train import-resnet18";
        model.ProducerVersion = typeof(ResNet18Importer).Assembly.GetName().Version?.ToString() ?? "";
        model.DocString =
            $"ImageNet ResNet-18 from NuGet package {ResNet18Source.PackageId} {ResNet18Source.PackageVersion} " +
            "(CNTK 2.6 export), final 7x7 AveragePool replaced by GlobalAveragePool + Flatten + LpNormalization(p=2); " +
            "dynamic batch and spatial size. Not trained for re-identification.";
        g.Name = "resnet18-imagenet-reid-baseline";

        var metadata = Metadata(prep, embeddingDim, height, width);
        model.MetadataProps.Clear();
        foreach (var (key, value) in metadata.ToProperties().OrderBy(p => p.Key, StringComparer.Ordinal))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return (model, metadata);
    }

    /// <summary>
    /// GlobalAveragePool equals the final AveragePool only when that pool has no padding and its
    /// kernel spans the whole feature map, which the source's recorded shapes let us confirm.
    /// </summary>
    private static void CheckPoolCoversWholeMap(GraphProto g, NodeProto pool, string sourcePath)
    {
        var kernel = pool.Attribute.FirstOrDefault(a => a.Name == "kernel_shape")?.Ints.ToArray() ?? [];
        var pads = pool.Attribute.FirstOrDefault(a => a.Name == "pads")?.Ints ?? [];
        var shape = g.ValueInfo.FirstOrDefault(v => v.Name == pool.Input[0])?.Type.TensorType.Shape.Dim;
        bool covers = shape is { Count: 4 } && kernel.Length == 2
            && shape[2].DimValue == kernel[0] && shape[3].DimValue == kernel[1]
            && pads.All(p => p == 0);
        if (!covers)
            throw Unexpected(sourcePath, "the final AveragePool does not span the whole feature map");
    }

    private static TypeProto FloatTensor(params TensorShapeProto.Types.Dimension[] dims) => new()
    {
        TensorType = new TypeProto.Types.Tensor
        {
            ElemType = (int)TensorProto.Types.DataType.Float,
            Shape = new TensorShapeProto { Dim = { dims } },
        },
    };

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static TensorShapeProto.Types.Dimension Dim(string param) => new() { DimParam = param };

    private static AttributeProto IntAttr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static Exception Unexpected(string path, string what) =>
        ResNet18Source.Corrupt(path, $"not the expected CNTK ResNet-18: {what}", null);
}
