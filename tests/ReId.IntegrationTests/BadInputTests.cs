using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// Bad input gets one clear line naming the input and the fix, and a distinct non-zero exit code,
/// before any work is done.
/// </summary>
public class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-bad-").FullName;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Out => Path.Combine(_dir, "out");

    private static void AssertOneLineError(ReidResult r, int exitCode, params string[] mentions)
    {
        Assert.True(r.ExitCode == exitCode, r.ToString());
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("reid: error:", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        foreach (var m in mentions) Assert.Contains(m, line);
        Assert.DoesNotContain("   at ", r.StdErr); // no stack trace without --verbose
    }

    [Fact]
    public void Missing_required_option_is_one_line_and_exit_2_not_the_help_page()
    {
        var r = ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi);
        AssertOneLineError(r, 2, "--out", "required");
        Assert.Contains("reid: see 'reid replay --help'", r.StdErr);
        Assert.DoesNotContain("Usage:", r.StdOut + r.StdErr);
    }

    [Fact]
    public void Overlapping_cameras_that_are_not_inputs()
    {
        var r = ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, SampleFootage.VtestAvi, "--camera-id", "a", "b",
            "--overlapping-cameras", "a,c", "--out", Out);
        AssertOneLineError(r, 2, "--overlapping-cameras", "'c'", "not one of the inputs (a, b)");
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--overlapping-cameras", "vtest", "--out", Out),
            2, "--overlapping-cameras", "'vtest' name fewer than two cameras");
    }

    [Fact]
    public void Missing_video()
    {
        string video = Path.Combine(_dir, "nope.avi");
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", video, "--out", Out), 2, video, "does not exist");
    }

    [Fact]
    public void File_that_is_not_a_video()
    {
        string video = Path.Combine(_dir, "notes.avi");
        File.WriteAllText(video, "this is not a video\n");
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", video, "--out", Out), 2, video, "could not be opened as a video");
    }

    [Fact]
    public void Corrupt_model()
    {
        string model = Path.Combine(_dir, "broken.onnx");
        File.WriteAllBytes(model, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--out", Out, "--model", model),
            2, model, "not a loadable ONNX model");
    }

    [Fact]
    public void Model_whose_input_does_not_fit_an_embedder()
    {
        string model = Path.Combine(_dir, "gray.onnx");
        TinyOnnx.WriteSingleChannelModel(model);
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--out", Out, "--model", model),
            2, model, "[N,3,H,W]");
    }

    [Fact]
    public void Malformed_detection_file()
    {
        string det = Path.Combine(_dir, "det.txt");
        File.WriteAllLines(det, ["1,-1,10,20,30,40,0.9,-1,-1,-1", "2,-1,10,abc,30,40,0.9,-1,-1,-1"]);
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--out", Out, "--detections", det),
            2, det, "line 2", "'abc'");
    }

    [Fact]
    public void A_model_without_a_match_threshold_is_run_at_a_named_guess_and_the_fix_is_said()
    {
        // The ImageNet baseline carries no reid.match_threshold; the default model does (no warning).
        string baseline = Path.Combine(SampleFootage.RepoRoot, "models", "resnet18-imagenet-reid-baseline.onnx");
        string det = Path.Combine(_dir, "det.txt");
        File.WriteAllLines(det, ["1,-1,100,100,40,100,0.9,-1,-1,-1", "2,-1,102,100,40,100,0.9,-1,-1,-1"]);
        string[] common = ["replay", SampleFootage.VtestAvi, "--detections", det, "--max-frames", "2", "--no-video"];
        var guessed = ReidProcess.Run(Timeout, [.. common, "--out", Out, "--model", baseline]);
        Assert.True(guessed.ExitCode == 0, guessed.ToString());
        var warning = Assert.Single(guessed.StdErr.Split('\n'), l => l.Contains("no reid.match_threshold"));
        Assert.Contains("0.75", warning);
        Assert.Contains("--match-threshold", warning);

        var given = ReidProcess.Run(Timeout, [.. common, "--out", Out + "-given", "--model", baseline, "--match-threshold", "0.8"]);
        Assert.True(given.ExitCode == 0, given.ToString());
        Assert.DoesNotContain("no reid.match_threshold", given.StdErr);
        var shipped = ReidProcess.Run(Timeout, [.. common, "--out", Out + "-shipped"]);
        Assert.True(shipped.ExitCode == 0, shipped.ToString());
        Assert.DoesNotContain("no reid.match_threshold", shipped.StdErr);
    }

    [Fact]
    public void Unwritable_output_folder()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        string outDir = Path.Combine(file, "out"); // a folder below a regular file cannot exist
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--out", outDir), 2, outDir, "not writable");
    }

    [Fact]
    public void Unreachable_kafka_is_reported_at_start()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--out", Out, "--events", "kafka", "--kafka", "127.0.0.1:1");
        AssertOneLineError(r, 3, "127.0.0.1:1");
        Assert.False(File.Exists(Path.Combine(Out, "summary.json")));
    }

    [Fact]
    public void Unreachable_qdrant_is_reported_at_start()
    {
        var r = ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--out", Out, "--gallery", "qdrant", "--qdrant", "http://127.0.0.1:1");
        AssertOneLineError(r, 3, "http://127.0.0.1:1");
    }

    [Fact]
    public void Unknown_option_value()
    {
        AssertOneLineError(ReidProcess.Run(Timeout, "replay", SampleFootage.VtestAvi, "--out", Out, "--detector", "magic"),
            2, "--detector 'magic'");
    }
}
