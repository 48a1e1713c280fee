using System.Text.Json;
using OpenCvSharp;
using ReIdTrainer.Cli;
using ReIdTrainer.Onnx;

namespace ReId.Trainer.Tests.Evaluation;

public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TrainerCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The committed baseline model, found by walking up from the test output to the repository root.</summary>
    private static string BaselineModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", "resnet18-imagenet-reid-baseline.onnx");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("models/resnet18-imagenet-reid-baseline.onnx not found above " + AppContext.BaseDirectory);
    }

    private static void WriteSolid(string path, Scalar bgr)
    {
        using var mat = new Mat(128, 64, MatType.CV_8UC3, bgr);
        Assert.True(Cv2.ImWrite(path, mat));
    }

    /// <summary>
    /// Three identities in solid, very different colours, each seen by cameras 1 and 2: any model
    /// that embeds colour ranks them perfectly. Also a same-camera gallery image (excluded), a
    /// distractor and a junk image, so the protocol's exclusions are exercised end to end.
    /// </summary>
    private string BuildMarketFolder()
    {
        string root = Path.Combine(_dir, "market");
        string train = Directory.CreateDirectory(Path.Combine(root, "bounding_box_train")).FullName;
        string query = Directory.CreateDirectory(Path.Combine(root, "query")).FullName;
        string gallery = Directory.CreateDirectory(Path.Combine(root, "bounding_box_test")).FullName;
        (string Id, Scalar Colour)[] people = [("0001", new(0, 0, 255)), ("0002", new(0, 255, 0)), ("0003", new(255, 0, 0))];
        foreach (var (id, colour) in people)
        {
            WriteSolid(Path.Combine(train, $"{id}_c1s1_000100_01.jpg"), colour);
            WriteSolid(Path.Combine(query, $"{id}_c1s1_000200_01.jpg"), colour);
            WriteSolid(Path.Combine(gallery, $"{id}_c1s1_000300_01.jpg"), colour);
            WriteSolid(Path.Combine(gallery, $"{id}_c2s1_000400_01.jpg"), colour);
            WriteSolid(Path.Combine(gallery, $"{id}_c2s1_000500_02.jpg"), colour);
        }
        WriteSolid(Path.Combine(gallery, "0000_c3s1_000600_01.jpg"), new Scalar(128, 128, 128));
        WriteSolid(Path.Combine(gallery, "-1_c3s1_000700_01.jpg"), new Scalar(0, 0, 250));
        return root;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Baseline_model_ranks_solid_colour_identities_and_writes_json(bool rerank)
    {
        string root = BuildMarketFolder();
        string json = Path.Combine(_dir, "out", "eval.json");
        string[] args = ["eval", "--data", root, "--model", BaselineModel(), "--json", json, "--device", "cpu"];
        if (rerank) args = [.. args, "--rerank"];

        var (code, stdout, stderr) = Cli(args);

        Assert.True(code == 0, stderr);
        Assert.Contains("rank-1", stdout);
        Assert.Contains("mAP", stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var r = doc.RootElement;
        foreach (string key in new[] { "rank1", "rank5", "rank10", "mean_average_precision" })
            Assert.InRange(r.GetProperty(key).GetDouble(), 0.0, 1.0);
        Assert.True(r.GetProperty("rank1").GetDouble() > 0.8, stdout);
        Assert.True(r.GetProperty("mean_average_precision").GetDouble() > 0.8, stdout);
        Assert.Equal(3, r.GetProperty("queries").GetInt32());
        Assert.Equal(3, r.GetProperty("valid_queries").GetInt32());
        Assert.Equal(11, r.GetProperty("gallery").GetInt32());
        Assert.Equal(1, r.GetProperty("gallery_distractors").GetInt32());
        Assert.Equal(1, r.GetProperty("gallery_junk").GetInt32());
        Assert.Equal(rerank, r.GetProperty("re_ranked").GetBoolean());
        Assert.Equal("CPU", r.GetProperty("provider").GetString());
    }

    [Fact]
    public void Missing_query_folder_gives_one_line_naming_it()
    {
        string root = BuildMarketFolder();
        Directory.Delete(Path.Combine(root, "query"), recursive: true);

        var (code, _, err) = Cli("eval", "--data", root, "--model", BaselineModel(), "--json", Path.Combine(_dir, "x.json"));

        Assert.Equal(1, code);
        string line = Assert.Single(Lines(err));
        Assert.Contains("'query'", line);
        Assert.False(File.Exists(Path.Combine(_dir, "x.json")));
    }

    [Fact]
    public void Model_that_is_not_an_embedder_gives_one_line_naming_it()
    {
        string root = BuildMarketFolder();
        // A real ONNX file, but an image preprocessing graph rather than an [N,3,H,W] -> [N,D] embedder.
        string notEmbedder = ResNet18Source.Locate(null).PreprocessPath;

        var (code, _, err) = Cli("eval", "--data", root, "--model", notEmbedder, "--json", Path.Combine(_dir, "x.json"), "--device", "cpu");

        Assert.Equal(1, code);
        // The embedder's warning about absent preprocessing metadata may precede it; the error is one line.
        string line = Assert.Single(Lines(err), l => l.StartsWith("reid-train:", StringComparison.Ordinal));
        Assert.Contains(notEmbedder, line);
    }

    [Fact]
    public void Undecodable_image_gives_one_line_naming_the_file()
    {
        string root = BuildMarketFolder();
        string broken = Path.Combine(root, "bounding_box_test", "0002_c2s1_000900_01.jpg");
        File.WriteAllText(broken, "not a jpeg");

        var (code, _, err) = Cli("eval", "--data", root, "--model", BaselineModel(), "--json", Path.Combine(_dir, "x.json"), "--device", "cpu");

        Assert.Equal(1, code);
        string line = Assert.Single(Lines(err));
        Assert.Contains(broken, line);
    }

    [Fact]
    public void Missing_model_file_gives_one_line_naming_it()
    {
        string root = BuildMarketFolder();
        string missing = Path.Combine(_dir, "nope.onnx");

        var (code, _, err) = Cli("eval", "--data", root, "--model", missing);

        Assert.Equal(1, code);
        Assert.Contains(missing, Assert.Single(Lines(err)));
    }
}
