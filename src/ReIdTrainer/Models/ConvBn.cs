using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReIdTrainer.Models;

/// <summary>
/// Conv (no bias) followed by BatchNorm and optionally ReLU: the unit both backbones are built
/// from, and the unit the ONNX exporter folds into one Conv (+ Relu) node.
/// </summary>
public sealed class ConvBn : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict names ("conv.weight", "bn.running_mean", ...).
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    public int Stride { get; }
    public int Padding { get; }
    public bool Relu { get; }
    public Conv2d Conv => conv;
    public BatchNorm2d Bn => bn;

    public ConvBn(string name, long inChannels, long outChannels, int kernel, int stride, int padding, bool relu) : base(name)
    {
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, bias: false);
        bn = nn.BatchNorm2d(outChannels);
        Stride = stride;
        Padding = padding;
        Relu = relu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = bn.forward(conv.forward(x));
        if (Relu) y = nn.functional.relu(y);
        return y.MoveToOuterDisposeScope();
    }
}
