using Microsoft.Extensions.Logging.Abstractions;
using Onnx;
using ReId.Core.Models;
using ReId.Inference;
using ReIdTrainer.Cli;
using ReIdTrainer.Onnx;
using ModelMetadata = ReId.Core.Models.ModelMetadata;

namespace ReId.Trainer.Tests;

public sealed class ResNet18ImportTests(ImportedResNet18 imported) : IClassFixture<ImportedResNet18>
{
    private static OrtModel Open(string path) => OrtSessionFactory.Open(path, DevicePreference.Cpu, NullLogger.Instance);

    [Fact]
    public void Metadata_read_back_by_onnx_runtime_is_the_preprocessing_the_network_expects()
    {
        using var model = Open(imported.ModelPath);
        var m = ModelMetadata.FromProperties(model.Session.ModelMetadata.CustomMetadataMap);

        Assert.Equal("input", m.InputName);
        Assert.Equal("NCHW", m.Layout);
        Assert.Equal((256, 128), (m.InputHeight, m.InputWidth));
        Assert.Equal("BGR", m.ChannelOrder);
        Assert.Equal(1f, m.PixelScale);
        // Per-channel averages of the package's 224x224 mean image, in B,G,R order.
        Assert.Equal(103.0626f, m.Mean[0], 0.001f);
        Assert.Equal(115.9029f, m.Mean[1], 0.001f);
        Assert.Equal(123.1516f, m.Mean[2], 0.001f);
        Assert.Equal([1f, 1f, 1f], m.Std);
        Assert.Equal(512, m.EmbeddingDim);
        Assert.True(m.OutputNormalized);
        Assert.Equal("cosine", m.Distance);
        Assert.Equal("resnet18-imagenet@1.0.0", m.Id);
        Assert.Equal("ImageNet-1k classification (no re-ID training)", m.TrainingData);
        Assert.Equal(imported.Result.Metadata.ToProperties(), m.ToProperties());
    }

    [Fact]
    public void Graph_has_symbolic_batch_and_spatial_dims_and_no_leftover_fixed_shapes()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(imported.ModelPath));
        var input = Assert.Single(model.Graph.Input);
        Assert.Equal(["batch", "3", "height", "width"], input.Type.TensorType.Shape.Dim.Select(DimText));
        var output = Assert.Single(model.Graph.Output);
        Assert.Equal("embedding", output.Name);
        Assert.Equal(["batch", "512"], output.Type.TensorType.Shape.Dim.Select(DimText));
        Assert.Empty(model.Graph.ValueInfo);
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "AveragePool");
        Assert.Equal(["GlobalAveragePool", "Flatten", "LpNormalization"], model.Graph.Node.TakeLast(3).Select(n => n.OpType));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Output_is_batch_by_512_and_L2_normalised_at_256x128(int batch)
    {
        using var model = Open(imported.ModelPath);
        var meta = imported.Result.Metadata;
        int sample = 3 * 256 * 128;
        var x = new float[batch * sample];
        for (int i = 0; i < batch; i++)
            ResNet18Verifier.ToModelInput(SyntheticScene.Rgb(500 + i, 256, 128), 256, 128, meta).CopyTo(x, i * sample);

        float[] y = ResNet18Verifier.Run(model.Session, x, [batch, 3, 256, 128], out var shape);

        Assert.Equal([batch, 512L], shape);
        for (int i = 0; i < batch; i++)
        {
            var row = y.AsSpan(i * 512, 512);
            double sq = 0;
            foreach (float v in row) { Assert.True(float.IsFinite(v)); sq += v * v; }
            Assert.Equal(1.0, Math.Sqrt(sq), 1e-4);
        }
        // Different people must not collapse onto one vector (a broken graph can still be normalised).
        for (int i = 1; i < batch; i++)
            Assert.True(ResNet18Verifier.MaxAbsDiff(y.AsSpan(0, 512), y.AsSpan(i * 512, 512)) > 1e-3);
    }

    [Fact]
    public void Converted_network_matches_the_original_pipeline_on_a_fresh_scene()
    {
        using var original = Open(imported.Source.NetworkPath);
        using var preprocess = Open(imported.Source.PreprocessPath);
        using var converted = Open(imported.ModelPath);
        long[] shape = [1, 3, 224, 224];
        float[] rgb = SyntheticScene.Rgb(seed: 4242, 224, 224);

        float[] x = ResNet18Verifier.Run(preprocess.Session, rgb, shape, out _);
        float[] raw = ResNet18Verifier.Run(original.Session, x, shape, out var rawShape);
        Assert.Equal([1L, 512, 1, 1], rawShape);
        float[] expected = ResNet18Verifier.L2Normalised(raw);

        float[] actual = ResNet18Verifier.Run(converted.Session, x, shape, out _);
        Assert.InRange(ResNet18Verifier.MaxAbsDiff(expected, actual), 0f, 1e-4f);
    }

    [Fact]
    public void Import_reports_the_figures_it_gated_on()
    {
        var p = imported.Result.Parity;
        Assert.True(p.Passed, string.Join("; ", p.Failures));
        Assert.InRange(p.NetworkMaxAbsDiff, 0f, ResNet18Verifier.Tolerance);
        Assert.InRange(p.PreprocessingMinCosine, ResNet18Verifier.MinPreprocessingCosine, 1.0001f);
        Assert.Equal((8, 256, 128), (p.BatchSize, p.Height, p.Width));
        Assert.Equal(new FileInfo(imported.ModelPath).Length, imported.Result.SizeBytes);
        Assert.Matches("^[0-9a-f]{64}$", imported.Result.Sha256);
        Assert.Empty(Directory.GetFiles(imported.Directory, "*.partial"));
    }

    [Fact]
    public void Verification_fails_when_the_converted_weights_differ_from_the_original()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(imported.ModelPath));
        var firstConv = model.Graph.Node.First(n => n.OpType == "Conv");
        var weights = model.Graph.Initializer.Single(t => t.Name == firstConv.Input[1]);
        for (int i = 0; i < weights.FloatData.Count; i += 7) weights.FloatData[i] *= 1.5f;
        string tampered = Path.Combine(imported.Directory, "tampered.onnx");
        File.WriteAllBytes(tampered, Google.Protobuf.MessageExtensions.ToByteArray(model));

        var report = ResNet18Verifier.Verify(imported.Source, tampered, imported.Result.Metadata, NullLogger.Instance);

        Assert.False(report.Passed);
        Assert.True(report.NetworkMaxAbsDiff > ResNet18Verifier.Tolerance);
        Assert.Contains(report.Failures, f => f.Contains("differs from the original"));
    }

    [Fact]
    public void Verification_fails_when_the_metadata_declares_the_wrong_channel_order()
    {
        var wrong = imported.Result.Metadata with { ChannelOrder = "RGB", Mean = [.. imported.Result.Metadata.Mean.Reverse()] };

        var report = ResNet18Verifier.Verify(imported.Source, imported.ModelPath, wrong, NullLogger.Instance);

        Assert.InRange(report.NetworkMaxAbsDiff, 0f, ResNet18Verifier.Tolerance);
        Assert.True(report.PreprocessingMinCosine < ResNet18Verifier.MinPreprocessingCosine);
        Assert.False(report.Passed);
    }

    [Fact]
    public void Converter_refuses_a_graph_with_ops_it_does_not_know()
    {
        var source = imported.Source.LoadNetwork();
        source.Graph.Node.Insert(0, new NodeProto { Name = "HiddenBatchOne", OpType = "Reshape", Input = { "a", "b" }, Output = { "c" } });
        var prep = ResNetPreprocessInspector.Inspect(imported.Source.LoadPreprocess(), imported.Source.PreprocessPath);

        var ex = Assert.Throws<TrainerException>(() => ResNet18Importer.Convert(source, "net.onnx", prep, 256, 128));

        Assert.Contains("'net.onnx'", ex.Message);
        Assert.Contains("Reshape", ex.Message);
    }

    private static string DimText(TensorShapeProto.Types.Dimension d) =>
        d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : d.DimValue.ToString();
}
