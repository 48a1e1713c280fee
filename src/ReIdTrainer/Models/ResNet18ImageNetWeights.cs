using Onnx;
using ReIdTrainer.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace ReIdTrainer.Models;

/// <summary>
/// Copies the ImageNet weights of the packaged CNTK ResNet-18 (ResNet18.onnx) into a
/// <see cref="ResNet18Backbone"/>. The file's tensor names are opaque (Parameter91, Constant98, ...),
/// so layers are matched by graph structure: every Conv feeds one BatchNormalization, 1x1 Convs are
/// the projection shortcuts, and the 3x3 Convs appear in network order. Every shape is checked
/// against the backbone's, so a different file is refused rather than loaded wrongly.
/// </summary>
public static class ResNet18ImageNetWeights
{
    public static void Load(ResNet18Backbone backbone, ResNet18Source source) =>
        Load(backbone, source.LoadNetwork(), source.NetworkPath);

    public static void Load(ResNet18Backbone backbone, ModelProto network, string sourcePath)
    {
        var graph = network.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var consumers = graph.Node
            .SelectMany(n => n.Input.Select(i => (Input: i, Node: n)))
            .ToLookup(p => p.Input, p => p.Node);

        var pairs = new List<(NodeProto Conv, NodeProto Bn)>();
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            var next = consumers[conv.Output[0]].ToList();
            if (next is not [{ OpType: "BatchNormalization" } bn])
                throw Unexpected(sourcePath, $"Conv '{conv.Name}' does not feed exactly one BatchNormalization");
            if (conv.Input.Count > 2)
                throw Unexpected(sourcePath, $"Conv '{conv.Name}' has a bias, which a Conv followed by BatchNormalization never needs");
            pairs.Add((conv, bn));
        }

        const int k = ResNet18Backbone.PoolKernel, st = ResNet18Backbone.PoolStride, pad = ResNet18Backbone.PoolPadding;
        var pools = graph.Node.Where(n => n.OpType == "MaxPool").ToList();
        if (pools is not [var pool]
            || Attr(pool, "kernel_shape") is not [k, k] || Attr(pool, "strides") is not [st, st]
            || Attr(pool, "pads") is not [pad, pad, _, _])
            throw Unexpected(sourcePath, $"the stem max pool is not one {k}x{k}/{st} MaxPool with leading pads {pad}");

        var shortcuts = new Queue<(NodeProto, NodeProto)>(pairs.Where(p => KernelSize(p.Conv) == 1));
        var mains = new Queue<(NodeProto, NodeProto)>(pairs.Where(p => KernelSize(p.Conv) != 1));
        var targets = new List<ConvBn> { backbone.Stem };
        foreach (var block in backbone.Blocks) targets.AddRange([block.Conv1, block.Conv2]);
        var shortcutTargets = backbone.Blocks.Where(b => b.Downsample is not null).Select(b => b.Downsample!).ToList();
        if (mains.Count != targets.Count || shortcuts.Count != shortcutTargets.Count)
            throw Unexpected(sourcePath, $"{mains.Count} Conv+BN layers and {shortcuts.Count} shortcuts, expected {targets.Count} and {shortcutTargets.Count} ([2,2,2,3] blocks)");

        using var noGrad = no_grad();
        foreach (var target in targets) Copy(target, mains.Dequeue(), initializers, sourcePath);
        foreach (var target in shortcutTargets) Copy(target, shortcuts.Dequeue(), initializers, sourcePath);
    }

    private static void Copy(ConvBn target, (NodeProto Conv, NodeProto Bn) source, Dictionary<string, TensorProto> init, string path)
    {
        var (conv, bn) = source;
        long[] strides = Attr(conv, "strides") ?? [1, 1];
        if (strides.Any(s => s != target.Stride))
            throw Unexpected(path, $"Conv '{conv.Name}' has strides [{string.Join(",", strides)}] where the backbone has {target.Stride}");
        // CNTK wrote "same" padding as explicit pads with one less at the end on strided layers
        // (stem [3,3,2,2], 3x3/2 convs [1,1,0,0]). A stride-2 window over an even-sized input never
        // reaches the last padded row, so the backbone's symmetric padding computes the same output
        // there; only the leading pads have to agree.
        long[] pads = Attr(conv, "pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4 || pads[0] != target.Padding || pads[1] != target.Padding || pads[2] > target.Padding || pads[3] > target.Padding)
            throw Unexpected(path, $"Conv '{conv.Name}' has pads [{string.Join(",", pads)}] where the backbone pads {target.Padding}");
        float eps = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
        if (Math.Abs(eps - target.Bn.eps) > 1e-9)
            throw Unexpected(path, $"BatchNormalization '{bn.Name}' has epsilon {eps}, the backbone {target.Bn.eps}");

        Set(target.Conv.weight!, Tensor(init, conv.Input[1], path), path);
        // ONNX BatchNormalization inputs: X, scale, B, mean, var.
        Set(target.Bn.weight!, Tensor(init, bn.Input[1], path), path);
        Set(target.Bn.bias!, Tensor(init, bn.Input[2], path), path);
        Set(target.Bn.running_mean!, Tensor(init, bn.Input[3], path), path);
        Set(target.Bn.running_var!, Tensor(init, bn.Input[4], path), path);
    }

    private static void Set(Tensor destination, TensorProto source, string path)
    {
        if (!source.Dims.SequenceEqual(destination.shape))
            throw Unexpected(path, $"tensor '{source.Name}' is [{string.Join(",", source.Dims)}] where the backbone has [{string.Join(",", destination.shape)}]");
        using var t = tensor(Floats(source, path), [.. source.Dims]);
        destination.copy_(t);
    }

    private static float[] Floats(TensorProto t, string path)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            throw Unexpected(path, $"tensor '{t.Name}' is not float");
        if (t.FloatData.Count > 0) return [.. t.FloatData];
        // raw_data is little-endian by the ONNX spec, as is every platform .NET runs this on.
        var raw = t.RawData.Span;
        if (raw.Length % 4 != 0) throw Unexpected(path, $"tensor '{t.Name}' has {raw.Length} raw bytes");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray();
    }

    private static TensorProto Tensor(Dictionary<string, TensorProto> init, string name, string path) =>
        init.TryGetValue(name, out var t) ? t : throw Unexpected(path, $"'{name}' is not an initializer");

    private static long KernelSize(NodeProto conv) => Attr(conv, "kernel_shape")?[0] ?? 0;

    private static long[]? Attr(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    private static Exception Unexpected(string path, string what) =>
        ResNet18Source.Corrupt(path, $"not the expected CNTK ResNet-18: {what}", null);
}
