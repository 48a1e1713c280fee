using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReIdTrainer.Models;

/// <summary>
/// ResNet-18 as packaged in Microsoft.ML.DnnImageFeaturizer.ResNet18: 7x7/2 stem, 3x3/2 max pool,
/// then stages of 64/128/256/512 channels with [2,2,2,3] basic blocks (the package's CNTK model has
/// one more block in the last stage than torchvision's [2,2,2,2]), so its ImageNet weights map one
/// to one (<see cref="ResNet18ImageNetWeights"/>). Output stride 32: 256x128 becomes 8x4. Input
/// sides should be multiples of 32: the packaged network pads strided layers asymmetrically, which
/// equals the symmetric padding here only while every stage input is even.
/// </summary>
public sealed class ResNet18Backbone : Backbone
{
    public static readonly int[] BlocksPerStage = [2, 2, 2, 3];
    public static readonly int[] Widths = [64, 128, 256, 512];
    // Shared with the ONNX exporter, which has to emit the same MaxPool.
    public const int PoolKernel = 3, PoolStride = 2, PoolPadding = 1;

    private readonly ConvBn stem;
    private readonly MaxPool2d pool;
    private readonly ModuleList<BasicBlock> blocks;

    public ConvBn Stem => stem;
    public IReadOnlyList<BasicBlock> Blocks => [.. blocks];
    public override int FeatureDim => Widths[^1];
    public override int OutputStride => 32;

    public ResNet18Backbone() : base(nameof(ResNet18Backbone))
    {
        stem = new ConvBn("stem", 3, Widths[0], kernel: 7, stride: 2, padding: 3, relu: true);
        pool = nn.MaxPool2d(kernel_size: PoolKernel, stride: PoolStride, padding: PoolPadding);
        blocks = new ModuleList<BasicBlock>();
        long inChannels = Widths[0];
        for (int s = 0; s < Widths.Length; s++)
            for (int b = 0; b < BlocksPerStage[s]; b++)
            {
                // The first stage follows the max pool, which already halved the resolution.
                int stride = b == 0 && s > 0 ? 2 : 1;
                blocks.Add(new BasicBlock($"stage{s}.block{b}", inChannels, Widths[s], stride));
                inChannels = Widths[s];
            }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = pool.forward(stem.forward(x));
        foreach (var block in blocks) y = block.forward(y);
        return y.MoveToOuterDisposeScope();
    }
}
