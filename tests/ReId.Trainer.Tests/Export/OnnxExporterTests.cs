using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Inference;
using ReIdTrainer.Cli;
using ReIdTrainer.Models;
using ReIdTrainer.Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using ModelMetadata = ReId.Core.Models.ModelMetadata;

namespace ReId.Trainer.Tests.Export;

public sealed class OnnxExporterTests(ITestOutputHelper output) : IDisposable
{
    private readonly ExportedModelDirectory _dir = new();

    private static readonly ModelMetadata Identity = new()
    {
        ModelName = "reid-light-test",
        ModelVersion = "0.1.0",
        TrainingData = "random weights",
    };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Light_backbone_with_random_weights_exports_within_parity()
    {
        using var net = new EmbeddingNet(new LightBackbone());
        var result = OnnxExporter.Export(net, Identity, _dir.File("light.onnx"), NullLogger.Instance);
        output.WriteLine($"light, random weights, no projection: max |diff| {result.MaxAbsDiff:G3} over {result.ParitySamples} inputs");

        Assert.True(result.MaxAbsDiff <= OnnxExporter.Tolerance);
        Assert.True(File.Exists(result.OutputPath));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Light_backbone_exports_within_parity_after_training_moved_the_batchnorm_statistics()
    {
        using var net = new EmbeddingNet(new LightBackbone(), 128);
        TrainBriefly(net);
        // Fresh BatchNorms (mean 0, var 1, gamma 1, beta 0) fold to nearly nothing; after training
        // they do not, so this export really tests the folding.
        var firstBn = ((LightBackbone)net.Backbone).Stages[0].Bn;
        Assert.True(firstBn.running_mean!.abs().max().item<float>() > 0.01f);
        Assert.True((firstBn.running_var! - 1).abs().max().item<float>() > 0.01f);
        Assert.True(net.BnNeck.running_mean!.abs().max().item<float>() > 0.001f);
        Assert.True(net.training);

        var result = OnnxExporter.Export(net, Identity, _dir.File("trained.onnx"), NullLogger.Instance);
        output.WriteLine($"light, after SGD, 128-d projection: max |diff| {result.MaxAbsDiff:G3} over {result.ParitySamples} inputs");

        Assert.True(result.MaxAbsDiff <= OnnxExporter.Tolerance);
        // Export must not leave the model in eval mode behind the trainer's back.
        Assert.True(net.training);
    }

    [Fact]
    public void Export_refuses_a_graph_that_does_not_match_and_writes_nothing()
    {
        using var net = new EmbeddingNet(new LightBackbone(), 64);
        TrainBriefly(net);
        var model = OnnxExporter.Build(net, Identity);
        // One folded bias of the last conv: the channel it shifts reaches the embedding whatever
        // the random weights, so the mismatch is far above the limit on every run.
        var bias = model.Graph.Initializer.First(t => t.Name == "backbone/stage3/bias");
        bias.FloatData[0] += 5f;
        string path = _dir.File("tampered.onnx");

        var ex = Assert.Throws<TrainerException>(() => OnnxExporter.VerifyAndWrite(model, net, path, NullLogger.Instance));
        output.WriteLine(ex.Message);

        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains("export refused", ex.Message);
        Assert.Matches(@"max \|diff\| [0-9.eE+-]+ \(limit 0\.0001\)", ex.Message);
        Assert.Contains(path, ex.Message);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Export_keeps_the_previous_file_when_it_refuses()
    {
        using var net = new EmbeddingNet(new LightBackbone());
        string path = _dir.File("model.onnx");
        OnnxExporter.Export(net, Identity, path, NullLogger.Instance);
        byte[] before = File.ReadAllBytes(path);

        var model = OnnxExporter.Build(net, Identity);
        model.Graph.Initializer.First(t => t.Name == "head/bnneck/shift").FloatData[3] += 1f;
        Assert.Throws<TrainerException>(() => OnnxExporter.VerifyAndWrite(model, net, path, NullLogger.Instance));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Exported_metadata_round_trips_and_the_worker_embedder_produces_unit_vectors()
    {
        using var net = new EmbeddingNet(new LightBackbone(), 96);
        TrainBriefly(net);
        var declared = Identity with { ChannelOrder = "BGR", Mean = [0.4f, 0.45f, 0.5f], Std = [0.25f, 0.2f, 0.22f], MatchThreshold = 0.62f };
        var result = OnnxExporter.Export(net, declared, _dir.File("light96.onnx"), NullLogger.Instance);

        var expected = declared with { InputName = "input", EmbeddingDim = 96, OutputNormalized = true, Distance = "cosine" };
        Assert.Equal(expected.ToProperties(), result.Metadata.ToProperties());

        using var ort = OrtSessionFactory.Open(result.OutputPath, DevicePreference.Cpu, NullLogger.Instance);
        var read = ModelMetadata.FromProperties(ort.Session.ModelMetadata.CustomMetadataMap);
        Assert.Equal(expected.ToProperties(), read.ToProperties());
        Assert.Equal(["input"], ort.Session.InputNames);
        Assert.Equal(["embedding"], ort.Session.OutputNames);

        using var embedder = Embedder.Open(result.OutputPath, DevicePreference.Cpu, NullLogger.Instance);
        Assert.Equal(96, embedder.Dimension);
        Assert.Equal("reid-light-test@0.1.0", embedder.Metadata.Id);
        using var frame = new Mat(480, 640, MatType.CV_8UC3);
        Cv2.Randu(frame, OpenCvSharp.Scalar.All(0), OpenCvSharp.Scalar.All(255));
        Crop[] crops = [new(frame, new Box(10, 20, 60, 150)), new(frame, new Box(300, 100, 80, 200)), new(frame, new Box(500, 250, 70, 180))];
        float[][] vectors = embedder.Embed(crops);

        Assert.Equal(3, vectors.Length);
        foreach (var v in vectors)
        {
            Assert.Equal(96, v.Length);
            Assert.Equal(1.0, Math.Sqrt(v.Sum(f => (double)f * f)), 1e-4);
        }
        Assert.NotEqual(vectors[0], vectors[1]);
    }

    [Fact]
    public void ResNet18_backbone_exports_within_parity()
    {
        using var net = new EmbeddingNet(new ResNet18Backbone(), 256);
        RandomiseBatchNorms(net);
        var result = OnnxExporter.Export(net, Identity with { ModelName = "reid-resnet18-test" }, _dir.File("resnet18.onnx"), NullLogger.Instance);
        output.WriteLine($"resnet18, random BN statistics, 256-d projection: max |diff| {result.MaxAbsDiff:G3} over {result.ParitySamples} inputs");

        Assert.True(result.MaxAbsDiff <= OnnxExporter.Tolerance);
    }

    [Fact]
    public void ResNet18_backbone_with_the_imagenet_weights_exports_within_parity()
    {
        using var net = new EmbeddingNet(new ResNet18Backbone());
        ResNet18ImageNetWeights.Load((ResNet18Backbone)net.Backbone, ResNet18Source.Locate(null));
        var result = OnnxExporter.Export(net, Identity with { ModelName = "reid-resnet18-imagenet-test" }, _dir.File("resnet18-imagenet.onnx"), NullLogger.Instance);
        output.WriteLine($"resnet18, ImageNet weights, no projection: max |diff| {result.MaxAbsDiff:G3} over {result.ParitySamples} inputs");

        Assert.True(result.MaxAbsDiff <= OnnxExporter.Tolerance);
    }

    /// <summary>A few SGD steps in train mode on off-centre inputs: weights move and BN running statistics drift.</summary>
    private static void TrainBriefly(EmbeddingNet net)
    {
        net.train();
        using var optimizer = optim.SGD(net.parameters(), learningRate: 0.05);
        using var gen = new torch.Generator(7);
        using var target = randn(4, net.EmbeddingDim, generator: gen);
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var x = randn([4, 3, 256, 128], generator: gen) * 2 + 0.5;
            using var f = net.Features(x);
            var loss = (f.BnFeature - target).pow(2).mean();
            loss.backward();
            optimizer.step();
        }
    }

    /// <summary>
    /// Training ResNet-18 in a test is slow; giving every BatchNorm random statistics and affine
    /// parameters exercises the same folding. Scales stay near 1 so activations stay in range
    /// through 19 layers.
    /// </summary>
    private static void RandomiseBatchNorms(EmbeddingNet net)
    {
        using var noGrad = no_grad();
        using var gen = new torch.Generator(11);
        foreach (var (_, module) in net.named_modules())
        {
            if (module is not TorchSharp.Modules.BatchNorm2d and not TorchSharp.Modules.BatchNorm1d) continue;
            var bn = (TorchSharp.Modules.NormBase)module;
            long c = bn.running_mean!.shape[0];
            bn.running_mean.copy_(randn([c], generator: gen) * 0.2);
            bn.running_var!.copy_(rand([c], generator: gen) + 0.5);
            bn.weight!.copy_(rand([c], generator: gen) * 0.5 + 0.75);
            if (bn.bias!.requires_grad) bn.bias.copy_(randn([c], generator: gen) * 0.1);
        }
    }
}
