using Microsoft.Extensions.Logging.Abstractions;
using ReId.Inference;
using ReIdTrainer.Cli;
using ReIdTrainer.Models;
using ReIdTrainer.Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Models;

public sealed class ResNet18ImageNetWeightsTests(ImportedResNet18 imported, ITestOutputHelper output) : IClassFixture<ImportedResNet18>
{
    private const float Tolerance = 1e-3f;

    [Fact]
    public void Backbone_with_the_packaged_weights_matches_the_original_network_at_224()
    {
        using var backbone = LoadedBackbone();
        using var original = OrtSessionFactory.Open(imported.Source.NetworkPath, DevicePreference.Cpu, NullLogger.Instance);
        // The original's preprocessing is part of the input, not the network: any tensor will do,
        // and the metadata's keeps it in the range the network was trained on.
        float[] x = ResNet18Verifier.ToModelInput(SyntheticScene.Rgb(5, 224, 224), 224, 224, imported.Result.Metadata);

        float[] expected = ResNet18Verifier.Run(original.Session, x, [1, 3, 224, 224], out _);
        float[] actual = PooledFeatures(backbone, x, 224, 224, normalise: false);

        float scale = expected.Max(Math.Abs);
        float diff = ResNet18Verifier.MaxAbsDiff(expected, actual);
        output.WriteLine($"224x224 un-normalised pooled features: max |diff| {diff:G3}, largest feature {scale:G3}");
        Assert.True(scale > 0.1f);
        Assert.True(diff <= Tolerance * Math.Max(1, scale), $"max |diff| {diff} at feature scale {scale}");
    }

    [Fact]
    public void Backbone_with_the_packaged_weights_matches_the_imported_baseline_at_256x128()
    {
        using var backbone = LoadedBackbone();
        using var baseline = OrtSessionFactory.Open(imported.ModelPath, DevicePreference.Cpu, NullLogger.Instance);
        const int n = 2, h = 256, w = 128;
        float[] x = [.. Enumerable.Range(0, n).SelectMany(i => ResNet18Verifier.ToModelInput(SyntheticScene.Rgb(40 + i, h, w), h, w, imported.Result.Metadata))];

        float[] expected = ResNet18Verifier.Run(baseline.Session, x, [n, 3, h, w], out var shape);
        float[] actual = PooledFeatures(backbone, x, h, w, normalise: true);

        Assert.Equal([n, 512L], shape);
        float diff = ResNet18Verifier.MaxAbsDiff(expected, actual);
        output.WriteLine($"256x128 L2-normalised pooled features, batch {n}: max |diff| {diff:G3}");
        Assert.True(diff <= Tolerance, $"max |diff| {diff}");
    }

    [Fact]
    public void A_network_that_is_not_the_packaged_resnet18_is_refused()
    {
        var network = imported.Source.LoadNetwork();
        var conv = network.Graph.Node.First(n => n.OpType == "Conv" && n.Attribute.Any(a => a.Name == "kernel_shape" && a.Ints[0] == 1));
        network.Graph.Node.Remove(conv);
        using var backbone = new ResNet18Backbone();

        var ex = Assert.Throws<TrainerException>(() => ResNet18ImageNetWeights.Load(backbone, network, "ResNet18.onnx"));
        Assert.Contains("not the expected CNTK ResNet-18", ex.Message);
        Assert.Contains("19 Conv+BN layers and 2 shortcuts, expected 19 and 3", ex.Message);
    }

    private ResNet18Backbone LoadedBackbone()
    {
        var backbone = new ResNet18Backbone();
        ResNet18ImageNetWeights.Load(backbone, imported.Source);
        backbone.eval();
        return backbone;
    }

    private static float[] PooledFeatures(ResNet18Backbone backbone, float[] x, int h, int w, bool normalise)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(x, [x.Length / (3 * h * w), 3, h, w]);
        var pooled = backbone.forward(input).mean([2L, 3L]);
        if (normalise) pooled = nn.functional.normalize(pooled, p: 2, dim: 1);
        return pooled.data<float>().ToArray();
    }
}
