using Onnx;

namespace ReIdTrainer.Onnx;

/// <summary>
/// What the ResNet-18 network expects at its input, read from the graph ML.NET runs in front of it.
/// <see cref="Mean"/> and <see cref="MeanImageSpatialStd"/> are in the network's channel order.
/// </summary>
public sealed record NetworkPreprocessing(
    string ChannelOrder, float PixelScale, float[] Mean, float[] Std, float[] MeanImageSpatialStd);

/// <summary>
/// Derives the preprocessing from ResNetPreprocess.onnx instead of hard-coding folklore values.
/// That graph (producer "TLC", i.e. ML.NET) is
/// <c>Split(axis 1) -> Concat(reversed) -> Sub(MeanImage [1,3,224,224])</c>, and ML.NET feeds it
/// the output of ExtractPixels with its defaults: planar R,G,B (the Split outputs are even named
/// RInp, GInp, BInp) with raw 0..255 values. So the network was trained (in CNTK, on OpenCV-decoded
/// images) on BGR, 0..255, minus a per-pixel mean image, and no division by a std.
/// A per-pixel 224x224 mean cannot follow the input to 256x128, so the model is given the per-channel
/// average of that image; its spatial spread (a few grey levels) is recorded so the approximation can
/// be judged, and the import checks the embeddings it yields against the original pipeline.
/// </summary>
public static class ResNetPreprocessInspector
{
    public static NetworkPreprocessing Inspect(ModelProto preprocess, string path)
    {
        var g = preprocess.Graph;
        var inits = g.Initializer.ToDictionary(t => t.Name);
        var input = g.Input.Where(i => !inits.ContainsKey(i.Name)).ToList();
        if (input.Count != 1 || g.Node.Count != 3)
            throw Unexpected(path, "expected one input and three nodes (Split, Concat, Sub)");

        var split = g.Node[0];
        var concat = g.Node[1];
        var sub = g.Node[2];
        if (split.OpType != "Split" || concat.OpType != "Concat" || sub.OpType != "Sub")
            throw Unexpected(path, $"nodes are {split.OpType}, {concat.OpType}, {sub.OpType}, expected Split, Concat, Sub");
        if (split.Input[0] != input[0].Name || split.Output.Count != 3 || IntAttr(split, "axis") != 1 || IntAttr(concat, "axis") != 1)
            throw Unexpected(path, "Split/Concat do not separate the three channels of the input");

        // Concat's inputs are Split's outputs in some order: that permutation is the channel order.
        var order = concat.Input.Select(name => split.Output.IndexOf(name)).ToArray();
        string channelOrder = order switch
        {
            [0, 1, 2] => "RGB",
            [2, 1, 0] => "BGR",
            _ => throw Unexpected(path, $"Concat reorders channels as [{string.Join(",", order)}], neither RGB nor BGR"),
        };

        if (sub.Input[0] != concat.Output[0] || !inits.TryGetValue(sub.Input[1], out var meanImage))
            throw Unexpected(path, "Sub does not subtract a constant from the reordered input");
        if (meanImage.Dims.Count != 4 || meanImage.Dims[0] != 1 || meanImage.Dims[1] != 3)
            throw Unexpected(path, $"mean image has shape [{string.Join(",", meanImage.Dims)}], expected [1,3,H,W]");

        float[] data = FloatData(meanImage);
        int plane = checked((int)(meanImage.Dims[2] * meanImage.Dims[3]));
        if (data.Length != 3 * plane)
            throw Unexpected(path, "mean image holds the wrong number of values");

        var mean = new float[3];
        var spread = new float[3];
        for (int c = 0; c < 3; c++)
        {
            double sum = 0, sumSq = 0;
            foreach (float v in data.AsSpan(c * plane, plane)) { sum += v; sumSq += (double)v * v; }
            double m = sum / plane;
            mean[c] = (float)m;
            spread[c] = (float)Math.Sqrt(Math.Max(0, sumSq / plane - m * m));
        }
        return new NetworkPreprocessing(channelOrder, PixelScale: 1f, mean, Std: [1f, 1f, 1f], spread);
    }

    internal static float[] FloatData(TensorProto t) =>
        t.FloatData.Count > 0 ? [.. t.FloatData]
        : t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray()
        : [];

    private static long IntAttr(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? 0;

    private static Exception Unexpected(string path, string what) =>
        ResNet18Source.Corrupt(path, $"not the ML.NET ResNet preprocessing graph: {what}", null);
}
