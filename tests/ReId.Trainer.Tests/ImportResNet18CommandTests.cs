using ReIdTrainer.Cli;
using ReIdTrainer.Onnx;

namespace ReId.Trainer.Tests;

public sealed class ImportResNet18CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-import-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TrainerCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Missing_source_file_gives_one_line_naming_it_and_the_fix()
    {
        string sources = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        string output = Path.Combine(_dir, "out.onnx");

        var (code, _, err) = Cli("import-resnet18", "--out", output, "--source-dir", sources);

        Assert.NotEqual(0, code);
        string line = Assert.Single(Lines(err));
        Assert.Contains(Path.Combine(sources, ResNet18Source.NetworkFile), line);
        Assert.Contains("--source-dir", line);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("text")]
    public void Corrupt_source_file_gives_one_line_and_writes_nothing(string corruption)
    {
        var real = ResNet18Source.Locate(null);
        string sources = Directory.CreateDirectory(Path.Combine(_dir, "corrupt")).FullName;
        File.Copy(real.PreprocessPath, Path.Combine(sources, ResNet18Source.PreprocessFile));
        string network = Path.Combine(sources, ResNet18Source.NetworkFile);
        if (corruption == "truncated")
        {
            // An interrupted download: the first megabyte of the real file.
            using var src = File.OpenRead(real.NetworkPath);
            var head = new byte[1 << 20];
            src.ReadExactly(head);
            File.WriteAllBytes(network, head);
        }
        else
        {
            File.WriteAllText(network, "<html>404 not found</html>");
        }
        string output = Path.Combine(_dir, "out", "model.onnx");

        var (code, _, err) = Cli("import-resnet18", "--out", output, "--source-dir", sources);

        Assert.NotEqual(0, code);
        string line = Assert.Single(Lines(err));
        Assert.Contains($"'{network}'", line);
        Assert.Contains("not a usable ONNX file", line);
        Assert.DoesNotContain("   at ", err);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Size_that_is_not_a_multiple_of_32_is_refused_before_anything_is_written()
    {
        string output = Path.Combine(_dir, "odd.onnx");

        var (code, _, err) = Cli("import-resnet18", "--out", output, "--height", "100", "--width", "50");

        Assert.NotEqual(0, code);
        string line = Assert.Single(Lines(err));
        Assert.Contains("100x50", line);
        Assert.Contains("multiples of 32", line);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        string sources = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;

        var (code, _, err) = Cli("import-resnet18", "--out", Path.Combine(_dir, "x.onnx"), "--source-dir", sources, "--verbose");

        Assert.NotEqual(0, code);
        Assert.StartsWith("reid-train: source model", err);
        Assert.Contains(" at ReIdTrainer.", err);
    }

    [Fact]
    public void Import_command_writes_a_verified_model_with_the_requested_size_in_its_metadata()
    {
        string output = Path.Combine(_dir, "nested", "model.onnx");

        var (code, stdout, err) = Cli("import-resnet18", "--out", output, "--height", "192", "--width", "96");

        Assert.True(code == 0, err);
        Assert.Equal("", err);
        Assert.Contains($"wrote {output}", stdout);
        Assert.Matches("sha256 [0-9a-f]{64}", stdout);
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(output));
        var meta = ReId.Core.Models.ModelMetadata.FromProperties(proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value));
        Assert.Equal((192, 96), (meta.InputHeight, meta.InputWidth));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(output)!));
    }
}
