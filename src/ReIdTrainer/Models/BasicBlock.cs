using static TorchSharp.torch;

namespace ReIdTrainer.Models;

/// <summary>ResNet basic block: relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)).</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly ConvBn conv1;
    private readonly ConvBn conv2;
    // A 1x1 strided projection when the block changes resolution or width; identity otherwise.
    private readonly ConvBn? downsample;

    public ConvBn Conv1 => conv1;
    public ConvBn Conv2 => conv2;
    public ConvBn? Downsample => downsample;

    public BasicBlock(string name, long inChannels, long outChannels, int stride) : base(name)
    {
        conv1 = new ConvBn("conv1", inChannels, outChannels, kernel: 3, stride: stride, padding: 1, relu: true);
        conv2 = new ConvBn("conv2", outChannels, outChannels, kernel: 3, stride: 1, padding: 1, relu: false);
        if (stride != 1 || inChannels != outChannels)
            downsample = new ConvBn("downsample", inChannels, outChannels, kernel: 1, stride: stride, padding: 0, relu: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = conv2.forward(conv1.forward(x));
        var shortcut = downsample is null ? x : downsample.forward(x);
        return nn.functional.relu(y + shortcut).MoveToOuterDisposeScope();
    }
}
