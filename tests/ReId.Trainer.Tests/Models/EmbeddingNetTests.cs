using ReIdTrainer.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Models;

public sealed class EmbeddingNetTests
{
    [Theory]
    [InlineData(null, 256)]
    [InlineData(128, 128)]
    public void Eval_output_is_one_unit_vector_per_image_of_the_embedding_dim(int? projection, int dim)
    {
        using var net = new EmbeddingNet(new LightBackbone(), projection);
        Assert.Equal(dim, net.EmbeddingDim);
        Assert.Equal(projection is not null, net.Projection is not null);
        // A fresh BNNeck (mean 0, var 1, gamma 1) is nearly the identity in eval mode; shifted
        // statistics make the BN feature distinguishable from the pre-BN one.
        using (no_grad())
        {
            net.BnNeck.running_mean!.copy_(linspace(-1, 1, dim));
            net.BnNeck.running_var!.copy_(linspace(0.5, 2, dim));
        }
        net.eval();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(2, 3, 256, 128);
        var y = net.forward(x);
        Assert.Equal([2L, dim], y.shape);
        foreach (float norm in y.norm(1).data<float>().ToArray())
            Assert.Equal(1f, norm, 1e-5f);

        using var f = net.Features(x);
        Assert.Equal([2L, dim], f.Feature.shape);
        Assert.Equal([2L, dim], f.BnFeature.shape);
        // The embedding is the BNNeck feature, not the pre-BN one.
        var expected = nn.functional.normalize(f.BnFeature, p: 2, dim: 1);
        Assert.True(allclose(expected, y, rtol: 0, atol: 1e-6));
        Assert.False(allclose(nn.functional.normalize(f.Feature, p: 2, dim: 1), y, rtol: 0, atol: 1e-3));
    }

    [Fact]
    public void Training_moves_the_bnneck_scale_but_never_its_bias()
    {
        using var net = new EmbeddingNet(new LightBackbone(), 64);
        net.train();
        using var optimizer = optim.SGD(net.parameters(), learningRate: 0.5);
        using var target = randn(4, 64);
        for (int step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var f = net.Features(randn(4, 3, 64, 32));
            var loss = (f.BnFeature - target).pow(2).mean();
            loss.backward();
            optimizer.step();
        }
        Assert.False(net.BnNeck.bias!.requires_grad);
        Assert.Equal(0f, net.BnNeck.bias!.abs().max().item<float>());
        Assert.NotEqual(0f, (net.BnNeck.weight! - 1).abs().max().item<float>());
    }
}
