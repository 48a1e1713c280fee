using ReId.Core.Events;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpenCvSharp;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// One replay of the first frames of the real sample footage (HOG detector, default tracker and
/// embedder) with --export-tracklets, shared by the tests below.
/// </summary>
public sealed class TrackletExportFixture : IDisposable
{
    /// <remarks>
    /// HOG's boxes in these frames at the frame's own size (--hog-upscale 1) are about 100-320 px tall,
    /// most of them 100-120: a minimum height of 105 px (rather than the default 64) makes the height
    /// rule decide for many crops.
    /// </remarks>
    public const int Frames = 100, Every = 5, MinCrops = 4, MaxCrops = 40, MinHeight = 105;
    public const int FrameWidth = 768, FrameHeight = 576;

    public string Root { get; } = Directory.CreateTempSubdirectory("reid-tracklets-").FullName;
    public string Tracklets => Path.Combine(Root, "tracklets");
    public ReplayOutput Output { get; }
    public ReidResult Run { get; }

    public TrackletExportFixture()
    {
        Run = ReidProcess.Run(TimeSpan.FromMinutes(5), "replay", SampleFootage.VtestAvi, "--max-frames", Frames.ToString(CultureInfo.InvariantCulture),
            "--hog-upscale", "1", "--no-video", "--out", Path.Combine(Root, "replay"), "--export-tracklets", Tracklets,
            "--tracklet-every", Every.ToString(CultureInfo.InvariantCulture), "--tracklet-min-crops", MinCrops.ToString(CultureInfo.InvariantCulture),
            "--tracklet-max-crops", MaxCrops.ToString(CultureInfo.InvariantCulture), "--tracklet-min-height", MinHeight.ToString(CultureInfo.InvariantCulture));
        Output = new ReplayOutput(Path.Combine(Root, "replay"));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public partial class TrackletExportTests(TrackletExportFixture fx) : IClassFixture<TrackletExportFixture>
{
    [GeneratedRegex(@"^vtest_t(?<track>\d{5})$")]
    private static partial Regex FolderName();

    [GeneratedRegex(@"^t(?<track>\d{5})_c1_f(?<frame>\d{6})\.jpg$")]
    private static partial Regex CropName();

    private sealed record Exported(int Track, IReadOnlyList<(long Frame, string Path)> Crops);

    private IReadOnlyList<Exported> ReadExport() =>
        Directory.EnumerateDirectories(fx.Tracklets).Order(StringComparer.Ordinal).Select(dir =>
        {
            var folder = FolderName().Match(Path.GetFileName(dir));
            Assert.True(folder.Success, $"unexpected tracklet folder '{dir}'");
            int track = int.Parse(folder.Groups["track"].Value, CultureInfo.InvariantCulture);
            var crops = Directory.EnumerateFiles(dir).Select(file =>
            {
                var m = CropName().Match(Path.GetFileName(file));
                Assert.True(m.Success, $"unexpected crop name '{file}'");
                Assert.Equal(track, int.Parse(m.Groups["track"].Value, CultureInfo.InvariantCulture));
                return (long.Parse(m.Groups["frame"].Value, CultureInfo.InvariantCulture), file);
            }).OrderBy(c => c.Item1).ToList();
            return new Exported(track, crops);
        }).ToList();

    [Fact]
    public void Export_reports_what_it_wrote_and_dropped()
    {
        Assert.True(fx.Run.ExitCode == 0, fx.Run.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(fx.Tracklets, "tracklets.json")));
        var s = summary.RootElement;
        var export = ReadExport();
        Assert.NotEmpty(export);
        Assert.Equal(export.Count, s.GetProperty("tracklets").GetInt32());
        Assert.Equal(export.Sum(e => e.Crops.Count), s.GetProperty("crops").GetInt32());
        Assert.Contains($"tracklets: {export.Count} ({export.Sum(e => e.Crops.Count)} crops)", fx.Run.StdOut);
        Assert.Contains($"dropped {s.GetProperty("droppedTracks").GetInt32()} track(s) with fewer than {TrackletExportFixture.MinCrops} usable crops", fx.Run.StdOut);
    }

    /// <summary>
    /// The replay's tracks.txt holds exactly the boxes the exporter saw, so the exported frames of
    /// every track can be predicted from it: whole, tall-enough boxes, one every N frames, at most M,
    /// and only tracks reaching K such crops. Tracks whose boxes sit within the file's 0.01 px
    /// rounding of a rule are left out of the exact comparison.
    /// </summary>
    [Fact]
    public void Each_track_exports_exactly_the_crops_the_rules_allow_cut_from_its_own_boxes()
    {
        Assert.True(fx.Run.ExitCode == 0, fx.Run.ToString());
        var rows = fx.Output.Tracks("vtest");
        var export = ReadExport().ToDictionary(e => e.Track);
        // A track is exported (and published) from the frame it is found to move; tracks.txt also holds the
        // rows of the few frames before, written afterwards, whose images are gone by then.
        var startedAt = fx.Output.Events.Where(e => e.Type == TrackEventType.Started).ToDictionary(e => e.TrackId, e => e.Frame);
        int compared = 0;
        foreach (var track in rows.GroupBy(r => r.Id))
        {
            var ordered = track.Where(r => r.Frame >= startedAt[track.Key]).OrderBy(r => r.Frame).ToList();
            if (ordered.Any(Borderline)) continue;
            var expected = new List<long>();
            long? last = null;
            foreach (var r in ordered)
            {
                if (expected.Count == TrackletExportFixture.MaxCrops) break;
                if (last is { } l && r.Frame - l < TrackletExportFixture.Every) continue;
                if (!Usable(r)) continue;
                expected.Add(r.Frame);
                last = r.Frame;
            }
            compared++;
            if (expected.Count < TrackletExportFixture.MinCrops)
            {
                Assert.False(export.ContainsKey(track.Key), $"track {track.Key} has {expected.Count} usable crops and should have been dropped");
                continue;
            }
            Assert.True(export.ContainsKey(track.Key), $"track {track.Key} has {expected.Count} usable crops and should have been exported");
            var crops = export[track.Key].Crops;
            Assert.Equal(expected, crops.Select(c => c.Frame));
            foreach (var (frame, path) in crops)
            {
                // A real JPEG of the box's own size (the trainer resizes, the exporter does not).
                var box = ordered.Single(r => r.Frame == frame);
                using var image = Cv2.ImRead(path, ImreadModes.Color);
                Assert.False(image.Empty(), $"'{path}' does not decode");
                // Whole pixels covering the box: floor of the top-left, ceiling of the bottom-right.
                Assert.InRange(image.Height, box.H - 0.02, box.H + 2.02);
                Assert.InRange(image.Width, box.W - 0.02, box.W + 2.02);
            }
        }
        Assert.True(compared >= 3, $"only {compared} tracks could be compared");
        Assert.Contains(rows, r => !Usable(r)); // the rules were exercised, not vacuous
    }

    private static bool Usable((long Frame, int Id, float X, float Y, float W, float H) r) =>
        r.X >= 0 && r.Y >= 0 && r.X + r.W <= TrackletExportFixture.FrameWidth && r.Y + r.H <= TrackletExportFixture.FrameHeight
        && r.H >= TrackletExportFixture.MinHeight;

    private static bool Borderline((long Frame, int Id, float X, float Y, float W, float H) r)
    {
        static bool Near(double v, double limit) => Math.Abs(v - limit) < 0.011;
        return Near(r.X, 0) || Near(r.Y, 0) || Near(r.X + r.W, TrackletExportFixture.FrameWidth)
            || Near(r.Y + r.H, TrackletExportFixture.FrameHeight) || Near(r.H, TrackletExportFixture.MinHeight);
    }

    /// <summary>The trainer reads the export with its folder-per-identity parser: one identity per tracklet, camera 1, frames from the names.</summary>
    [Fact]
    public void The_trainer_reads_the_export_as_one_identity_per_tracklet()
    {
        Assert.True(fx.Run.ExitCode == 0, fx.Run.ToString());
        var export = ReadExport();
        long split = 50;
        string outDir = Path.Combine(fx.Root, "split-" + Guid.NewGuid().ToString("N")[..8]);
        var result = RunTrainer("tracklet-split", "--tracklets", fx.Tracklets, "--out", outDir, "--eval-from-frame", $"{split}",
            "--min-train-crops", "2", "--min-half-crops", "1");
        var before = export.Select(e => e.Crops.Count(c => c.Frame < split)).Where(n => n >= 2).ToList();
        int eval = export.Count(e => e.Crops.Count(c => c.Frame >= split) >= 2);
        Assert.True(before.Count > 0 && eval >= 2, $"the first {TrackletExportFixture.Frames} frames should give tracklets on both sides of frame {split}");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"train (frames < {split}): {before.Count} tracklets, {before.Sum()} images", result.StdOut);
        Assert.Contains($"eval (frames >= {split}): {eval} tracklets", result.StdOut);
        // Market-1501 names with camera 1 for training and the halves as cameras 1 (earlier) and 2 (later).
        Assert.All(Directory.EnumerateFiles(Path.Combine(outDir, "bounding_box_train")), f => Assert.Matches(@"^\d{4}_c1s1_\d{6}_00\.jpg$", Path.GetFileName(f)));
        Assert.All(Directory.EnumerateFiles(Path.Combine(outDir, "bounding_box_test")), f => Assert.Matches(@"^\d{4}_c1s1_\d{6}_00\.jpg$", Path.GetFileName(f)));
        Assert.All(Directory.EnumerateFiles(Path.Combine(outDir, "query")), f => Assert.Matches(@"^\d{4}_c2s1_\d{6}_00\.jpg$", Path.GetFileName(f)));
    }

    [Fact]
    public void Export_into_a_folder_that_holds_files_is_refused_in_one_line()
    {
        string dir = Path.Combine(fx.Root, "busy");
        Directory.CreateDirectory(Path.Combine(dir, "vtest_t00001"));
        var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "replay", SampleFootage.VtestAvi, "--max-frames", "2", "--no-video",
            "--out", Path.Combine(fx.Root, "busy-replay"), "--export-tracklets", dir);
        Assert.NotEqual(0, result.ExitCode);
        string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("--export-tracklets"));
        Assert.Contains($"'{dir}' is not empty", line);
    }

    [Fact]
    public void Tracklet_options_without_an_export_folder_are_refused_in_one_line()
    {
        var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "replay", SampleFootage.VtestAvi, "--max-frames", "2", "--no-video",
            "--out", Path.Combine(fx.Root, "stray-replay"), "--tracklet-min-crops", "6");
        Assert.NotEqual(0, result.ExitCode);
        string line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("--tracklet-min-crops"));
        Assert.Contains("add --export-tracklets DIR", line);
        Assert.False(File.Exists(Path.Combine(fx.Root, "stray-replay", "summary.json")));
    }

    /// <summary>
    /// Two inputs are two cameras: folders are named by camera and track, names carry each input's
    /// own camera number, and the same footage on both cameras exports the same tracklets.
    /// </summary>
    [Fact]
    public void Each_camera_exports_its_own_tracklets_with_its_own_camera_number()
    {
        string dir = Path.Combine(fx.Root, "two-cameras");
        var result = ReidProcess.Run(TimeSpan.FromMinutes(5), "replay", SampleFootage.VtestAvi, SampleFootage.VtestAvi,
            "--camera-id", "north", "south", "--max-frames", "40", "--no-video", "--out", Path.Combine(fx.Root, "two-replay"),
            "--export-tracklets", dir, "--tracklet-min-crops", "3");
        Assert.True(result.ExitCode == 0, result.ToString());

        Dictionary<string, List<string>> Export(string camera) =>
            Directory.EnumerateDirectories(dir, camera + "_t*").ToDictionary(
                d => Path.GetFileName(d)[(camera.Length + 1)..],
                d => Directory.EnumerateFiles(d).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList());
        var north = Export("north");
        var south = Export("south");
        Assert.NotEmpty(north);
        Assert.Equal(Directory.EnumerateDirectories(dir).Count(), north.Count + south.Count);
        Assert.All(north.Values.SelectMany(f => f), f => Assert.Matches(@"^t\d{5}_c1_f\d{6}\.jpg$", f));
        Assert.All(south.Values.SelectMany(f => f), f => Assert.Matches(@"^t\d{5}_c2_f\d{6}\.jpg$", f));
        Assert.Equal(north.Keys.Order(), south.Keys.Order());
        foreach (var (track, files) in north)
            Assert.Equal(files.Select(f => f.Replace("_c1_", "_c2_")), south[track]);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tracklets.json")));
        var cameras = summary.RootElement.GetProperty("cameras");
        Assert.Equal(north.Count, cameras.GetProperty("north").GetInt32());
        Assert.Equal(south.Count, cameras.GetProperty("south").GetInt32());
    }

    /// <summary>reid-train.dll from its own build output, like <see cref="ReidProcess"/> runs reid.dll.</summary>
    private static ReidResult RunTrainer(params string[] args)
    {
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        string dll = Path.Combine(SampleFootage.RepoRoot, "src", "ReIdTrainer", "bin", config, "net10.0", "linux-x64", "reid-train.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built; build src/ReIdTrainer first");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"reid-train {string.Join(' ', args)} did not finish within 2 minutes");
        }
        return new ReidResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
