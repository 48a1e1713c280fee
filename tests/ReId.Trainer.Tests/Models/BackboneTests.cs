using ReIdTrainer.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Models;

public sealed class BackboneTests
{
    private static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    [Fact]
    public void Light_backbone_has_four_stride_2_stages_and_about_0_4_M_parameters()
    {
        using var backbone = new LightBackbone();
        // 3x3 convs 3-32-64-128-256 without bias (387,936) + BatchNorm gamma and beta (960).
        Assert.Equal(388_896, ParameterCount(backbone));
        Assert.Equal(256, backbone.FeatureDim);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        backbone.eval();
        var y = backbone.forward(randn(2, 3, 256, 128));
        Assert.Equal([2L, 256, 256 / 16, 128 / 16], y.shape);
        Assert.Equal(16, backbone.OutputStride);
    }

    [Fact]
    public void ResNet18_backbone_has_the_packaged_2_2_2_3_layout()
    {
        using var backbone = new ResNet18Backbone();
        // torchvision's ResNet-18 without fc has 11,176,512; the ninth block at 512 channels adds
        // two 3x3 512->512 convs (2 x 2,359,296) and two BatchNorms (2 x 1,024).
        Assert.Equal(15_897_152, ParameterCount(backbone));
        Assert.Equal(9, backbone.Blocks.Count);
        // Blocks that change width or resolution carry a 1x1 projection shortcut: the first of stages 2-4.
        Assert.Equal([false, false, true, false, true, false, true, false, false],
            backbone.Blocks.Select(b => b.Downsample is not null).ToArray());
        Assert.Equal([7L, 7], backbone.Stem.Conv.weight!.shape[2..]);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        backbone.eval();
        var y = backbone.forward(randn(2, 3, 256, 128));
        Assert.Equal([2L, 512, 8, 4], y.shape);
    }
}
