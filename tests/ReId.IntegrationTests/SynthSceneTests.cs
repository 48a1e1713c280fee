using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using ReId.Vision.Synthetic;

namespace ReId.IntegrationTests;

/// <summary>
/// Generates one small synthetic scene twice with the same seed and once with another, then runs the
/// default pipeline on it and scores the tracks with eval-mot, all through the reid executable.
/// </summary>
public sealed class SynthSceneFixture : IDisposable
{
    public static readonly SceneOptions Options = new() { Cameras = 2, People = 4, Frames = 60, Width = 480, Height = 360, Seed = 7 };
    public string Root { get; } = Directory.CreateTempSubdirectory("reid-synth-").FullName;
    public string First => Path.Combine(Root, "first");
    public string Again => Path.Combine(Root, "again");
    public string OtherSeed => Path.Combine(Root, "other-seed");
    public ReidResult FirstRun { get; }
    public ReidResult AgainRun { get; }
    public ReidResult OtherSeedRun { get; }
    public ReidResult ReplayRun { get; }
    public IReadOnlyList<ReidResult> EvalRuns { get; }
    public string[] CameraIds { get; } = ["cam1", "cam2"];
    public const string OtherSeedStart = "2030-06-15T08:30:00.25+02:00";

    public SynthSceneFixture()
    {
        string[] Args(string outDir, int seed) =>
        [
            "synth-scene", "--out", outDir, "--cameras", "2", "--people", "4", "--frames", "60",
            "--width", "480", "--height", "360", "--seed", seed.ToString(CultureInfo.InvariantCulture),
        ];
        FirstRun = ReidProcess.Run(TimeSpan.FromMinutes(2), Args(First, Options.Seed));
        AgainRun = ReidProcess.Run(TimeSpan.FromMinutes(2), Args(Again, Options.Seed));
        OtherSeedRun = ReidProcess.Run(TimeSpan.FromMinutes(2), [.. Args(OtherSeed, Options.Seed + 1), "--start-time", OtherSeedStart]);
        ReplayRun = ReidProcess.Run(TimeSpan.FromMinutes(5),
            ["replay", .. CameraIds.Select(c => Path.Combine(First, c, "video.avi")), "--camera-id", .. CameraIds,
             "--out", First, "--no-video", "--start-time", "2026-01-01T12:00:00Z", "--worker-id", "test-worker"]);
        EvalRuns = CameraIds.Select(c => ReidProcess.Run(TimeSpan.FromMinutes(2),
            "eval-mot", "--gt", Path.Combine(First, c, "gt", "gt.txt"), "--pred", Path.Combine(First, c, "tracks.txt"),
            "--json", Path.Combine(First, $"{c}-metrics.json"))).ToList();
    }

    public static List<GroundTruthBox> ReadGroundTruth(string file) =>
        File.ReadAllLines(file).Select(line =>
        {
            var f = line.Split(',');
            int I(int i) => int.Parse(f[i], CultureInfo.InvariantCulture);
            Assert.Equal("1", f[6]);
            Assert.Equal("1", f[7]);
            return new GroundTruthBox(I(0), I(1), new Rect(I(2), I(3), I(4), I(5)), double.Parse(f[8], CultureInfo.InvariantCulture));
        }).ToList();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public class SynthSceneTests(SynthSceneFixture fx) : IClassFixture<SynthSceneFixture>
{
    private static double Iou(Rect a, Rect b)
    {
        var i = a & b;
        double inter = Math.Max(0, i.Width) * (double)Math.Max(0, i.Height);
        return inter / (a.Width * (double)a.Height + b.Width * (double)b.Height - inter);
    }

    [Fact]
    public void The_command_writes_videos_ground_truth_and_identities_and_says_so()
    {
        Assert.True(fx.FirstRun.ExitCode == 0, fx.FirstRun.ToString());
        foreach (string cam in fx.CameraIds)
        {
            Assert.Contains($"{cam}/video.avi", fx.FirstRun.StdOut);
            using var capture = new VideoCapture(Path.Combine(fx.First, cam, "video.avi"));
            Assert.True(capture.IsOpened());
            Assert.Equal(SynthSceneFixture.Options.Frames, capture.FrameCount);
            Assert.Equal(SynthSceneFixture.Options.Width, capture.FrameWidth);
            Assert.Equal(SynthSceneFixture.Options.Height, capture.FrameHeight);
            Assert.NotEmpty(SynthSceneFixture.ReadGroundTruth(Path.Combine(fx.First, cam, "gt", "gt.txt")));
        }
        Assert.Contains("identities.json", fx.FirstRun.StdOut);
    }

    [Fact]
    public void Every_camera_video_carries_the_scene_start_as_its_modification_time()
    {
        // The default start is fixed (same seed, same files); --start-time chooses another.
        foreach (var (dir, expected) in new[]
        {
            (fx.First, new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero)),
            (fx.OtherSeed, new DateTimeOffset(2030, 6, 15, 6, 30, 0, 250, TimeSpan.Zero)),
        })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "identities.json")));
            string recorded = doc.RootElement.GetProperty("startTime").GetString()!;
            Assert.EndsWith("Z", recorded); // ISO 8601 UTC
            var start = DateTimeOffset.Parse(recorded, CultureInfo.InvariantCulture);
            Assert.Equal(expected, start);
            foreach (string cam in fx.CameraIds)
                Assert.Equal(start.UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(dir, cam, "video.avi")));
        }
        Assert.Contains("cameras synchronised: frame 1 at 2026-01-01T09:00:00Z", fx.FirstRun.StdOut);
    }

    [Theory]
    [InlineData("--start-time", "yesterday", "--start-time 'yesterday' is not an ISO 8601 time")]
    [InlineData("--cameras", "0", "cameras must be 1..16")]
    [InlineData("--width", "50", "size must be from 160x120")]
    [InlineData("--preview-frame", "61", "pick a frame from 1 to 60")]
    public void Bad_options_are_refused_with_one_line_naming_the_problem(string option, string value, string message)
    {
        var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "synth-scene", "--out", Path.Combine(fx.Root, "refused"), "--frames", "60", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(fx.Root, "refused")));
    }

    [Fact]
    public void The_same_seed_gives_the_same_scene_and_another_seed_a_different_one()
    {
        Assert.True(fx.AgainRun.ExitCode == 0, fx.AgainRun.ToString());
        Assert.True(fx.OtherSeedRun.ExitCode == 0, fx.OtherSeedRun.ToString());
        foreach (string cam in fx.CameraIds)
        {
            string gt = Path.Combine(cam, "gt", "gt.txt");
            Assert.Equal(File.ReadAllBytes(Path.Combine(fx.First, gt)), File.ReadAllBytes(Path.Combine(fx.Again, gt)));
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(fx.First, gt)), File.ReadAllBytes(Path.Combine(fx.OtherSeed, gt)));
            using var a = FirstFrame(Path.Combine(fx.First, cam, "video.avi"));
            using var b = FirstFrame(Path.Combine(fx.Again, cam, "video.avi"));
            using var c = FirstFrame(Path.Combine(fx.OtherSeed, cam, "video.avi"));
            Assert.Equal(0, Cv2.Norm(a, b, NormTypes.L1));
            Assert.True(Cv2.Norm(a, c, NormTypes.L1) > 0);
        }
        Assert.Equal(File.ReadAllText(Path.Combine(fx.First, "identities.json")), File.ReadAllText(Path.Combine(fx.Again, "identities.json")));
    }

    private static Mat FirstFrame(string video)
    {
        using var capture = new VideoCapture(video);
        var frame = new Mat();
        Assert.True(capture.Read(frame) && !frame.Empty(), $"cannot read {video}");
        return frame;
    }

    [Fact]
    public void Ground_truth_boxes_lie_inside_the_frame_and_cover_the_drawn_people()
    {
        var o = SynthSceneFixture.Options;
        using var scene = new Scene(o);
        int checkedBoxes = 0;
        foreach (var cam in scene.Cameras)
        {
            var rows = SynthSceneFixture.ReadGroundTruth(Path.Combine(fx.First, cam.Id, "gt", "gt.txt"));
            foreach (var r in rows)
            {
                Assert.True(r.Box.X >= 0 && r.Box.Y >= 0 && r.Box.Right <= o.Width && r.Box.Bottom <= o.Height && r.Box.Width > 0 && r.Box.Height > 0, r.ToString());
                Assert.InRange(r.Visibility, 0, 1);
                Assert.InRange(r.Frame, 1, o.Frames);
            }
            foreach (int frame in new[] { 1, 30, 60 })
            {
                using var withPeople = scene.Render(cam.Index, frame);
                using var empty = scene.Render(cam.Index, frame, people: false);
                // The file holds exactly what the renderer reports for that frame.
                Assert.Equal(rows.Where(r => r.Frame == frame).OrderBy(r => r.PersonId).Select(r => (r.PersonId, r.Box, r.Visibility)),
                    withPeople.Boxes.Select(b => (b.PersonId, b.Box, b.Visibility)));

                using var diff = new Mat();
                Cv2.Absdiff(withPeople.Image, empty.Image, diff);
                foreach (var b in withPeople.Boxes.Where(b => b.Visibility >= 0.5))
                {
                    using var inBox = new Mat(diff, b.Box);
                    var mean = Cv2.Mean(inBox);
                    Assert.True(mean.Val0 + mean.Val1 + mean.Val2 > 15, $"{cam.Id} frame {frame} person {b.PersonId}: box {b.Box} looks like the background");
                    checkedBoxes++;
                }
                // Outside the boxes and the slivers of people at the edges (plus the blur's reach), the frame is the empty scene, to the bit.
                using var outside = new Mat(diff.Size(), MatType.CV_8UC1, Scalar.All(255));
                foreach (var r in withPeople.Boxes.Select(b => b.Box).Concat(withPeople.Unannotated))
                    Cv2.Rectangle(outside, new Rect(r.X - 6, r.Y - 6, r.Width + 12, r.Height + 12), Scalar.All(0), -1);
                using var gray = new Mat();
                Cv2.CvtColor(diff, gray, ColorConversionCodes.BGR2GRAY);
                using var changedOutside = new Mat();
                Cv2.BitwiseAnd(gray, outside, changedOutside);
                Assert.Equal(0, Cv2.CountNonZero(changedOutside));
            }
        }
        Assert.True(checkedBoxes >= 4, $"only {checkedBoxes} clearly visible people in the sampled frames");
    }

    [Fact]
    public void People_appear_in_more_than_one_camera_and_identities_map_every_gt_track()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(fx.First, "identities.json")));
        var tracks = doc.RootElement.GetProperty("tracks").EnumerateArray()
            .Select(t => (Camera: t.GetProperty("camera").GetString()!, GtId: t.GetProperty("gtId").GetInt32(), Person: t.GetProperty("personId").GetInt32()))
            .ToList();
        Assert.Equal(SynthSceneFixture.Options.People, doc.RootElement.GetProperty("people").GetArrayLength());
        foreach (string cam in fx.CameraIds)
        {
            var gtIds = SynthSceneFixture.ReadGroundTruth(Path.Combine(fx.First, cam, "gt", "gt.txt")).Select(r => r.PersonId).Distinct().Order();
            Assert.Equal(gtIds, tracks.Where(t => t.Camera == cam).Select(t => t.GtId).Order());
        }
        var multiCamera = tracks.GroupBy(t => t.Person).Where(g => g.Select(t => t.Camera).Distinct().Count() > 1).ToList();
        Assert.NotEmpty(multiCamera);

        // The cameras that show one person in the same frame are the overlapping pairs the scene lists.
        var keys = fx.CameraIds.ToDictionary(c => c, c => SynthSceneFixture.ReadGroundTruth(Path.Combine(fx.First, c, "gt", "gt.txt"))
            .Select(r => (r.Frame, r.PersonId)).ToHashSet());
        var expected = (from a in fx.CameraIds from b in fx.CameraIds
                        where string.CompareOrdinal(a, b) < 0 && keys[a].Overlaps(keys[b]) select $"{a},{b}").ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, doc.RootElement.GetProperty("overlappingCameras").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains($"--overlapping-cameras {string.Join(' ', expected)}", fx.FirstRun.StdOut);
    }

    [Fact]
    public void People_cross_and_occlude_each_other()
    {
        bool overlap = false, occluded = false;
        foreach (string cam in fx.CameraIds)
        {
            var rows = SynthSceneFixture.ReadGroundTruth(Path.Combine(fx.First, cam, "gt", "gt.txt"));
            occluded |= rows.Any(r => r.Visibility < 0.7);
            foreach (var frame in rows.GroupBy(r => r.Frame))
            {
                var boxes = frame.ToList();
                for (int i = 0; i < boxes.Count && !overlap; i++)
                    for (int j = i + 1; j < boxes.Count && !overlap; j++)
                        overlap = Iou(boxes[i].Box, boxes[j].Box) > 0.3;
            }
        }
        Assert.True(overlap, "no two ground-truth boxes overlap with IoU > 0.3 in any frame");
        Assert.True(occluded, "nobody is ever less than 70% visible");
    }

    [Fact]
    public void The_default_pipeline_runs_on_the_scene_and_eval_mot_scores_it()
    {
        Assert.True(fx.ReplayRun.ExitCode == 0, fx.ReplayRun.ToString());
        for (int i = 0; i < fx.CameraIds.Length; i++)
        {
            var eval = fx.EvalRuns[i];
            Assert.True(eval.ExitCode == 0, eval.ToString());
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(fx.First, $"{fx.CameraIds[i]}-metrics.json")));
            var overall = doc.RootElement.GetProperty("overall");
            double mota = overall.GetProperty("clear").GetProperty("mota").GetDouble();
            double idf1 = overall.GetProperty("identity").GetProperty("idf1").GetDouble();
            Assert.True(double.IsFinite(mota) && mota <= 1, $"MOTA {mota}");
            Assert.InRange(idf1, 0, 1);
            Assert.True(overall.GetProperty("clear").GetProperty("gtTracks").GetInt64() > 0);
        }
    }
}

/// <summary>
/// eval-scene on a replay that uses the scene's ground truth as detections ("oracle" detections):
/// what is left to score is tracking and re-identification alone.
/// </summary>
public class EvalSceneTests(SynthSceneFixture fx) : IClassFixture<SynthSceneFixture>
{
    [Fact]
    public void Oracle_detections_give_high_mota_and_a_cross_camera_score()
    {
        string replay = Path.Combine(fx.Root, "oracle-replay");
        string json = Path.Combine(fx.Root, "oracle.json");
        var run = ReidProcess.Run(TimeSpan.FromMinutes(3), "replay",
            Path.Combine(fx.First, "cam1", "video.avi"), Path.Combine(fx.First, "cam2", "video.avi"), "--camera-id", "cam1", "cam2",
            "--detections", Path.Combine(fx.First, "cam1", "gt", "gt.txt"), Path.Combine(fx.First, "cam2", "gt", "gt.txt"),
            // Tracking and re-identification alone: in cam2 one person stands still at the edge of the view from
            // the moment he appears, whom the default holds back as possibly a static false detection.
            "--static-iou", "1", "--no-video", "--out", replay);
        Assert.True(run.ExitCode == 0, run.ToString());
        var eval = ReidProcess.Run(TimeSpan.FromMinutes(2), "eval-scene", "--scene", fx.First, "--replay", replay, "--json", json);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains("cross-camera:", eval.StdOut);

        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        foreach (var cam in doc.RootElement.GetProperty("cameras").EnumerateArray())
            Assert.True(cam.GetProperty("mota").GetDouble() > 0.8, $"{cam}"); // boxes are exact; only association errors remain
        var cross = doc.RootElement.GetProperty("crossCamera");
        Assert.True(cross.GetProperty("MultiCameraPeople").GetInt32() >= 1);
        Assert.True(cross.GetProperty("MatchedTracks").GetInt32() >= 4);
        Assert.Equal(0, cross.GetProperty("UnmatchedTracks").GetInt32()); // every track lies on a real person
        var mtmc = cross.GetProperty("multiCamera");
        Assert.InRange(mtmc.GetProperty("idf1").GetDouble(), 0, 1);
        var gt = fx.CameraIds.SelectMany(c => SynthSceneFixture.ReadGroundTruth(Path.Combine(fx.First, c, "gt", "gt.txt"))).ToList();
        Assert.Equal(gt.Select(r => r.PersonId).Distinct().Count(), mtmc.GetProperty("people").GetInt32()); // people, not per-camera tracks
        long idtp = mtmc.GetProperty("idTruePositives").GetInt64(), idfn = mtmc.GetProperty("idFalseNegatives").GetInt64();
        Assert.Equal(gt.Count, idtp + idfn); // every ground-truth box of every camera is scored once
        Assert.Contains("MTMC IDF1 ", eval.StdOut);

        // No --start-time: the replay takes each camera's clock from its video's modification time, which the
        // scene sets to its start, so frame n is the same instant in both cameras.
        var start = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
        var events = new ReplayOutput(replay).Events;
        foreach (string cam in fx.CameraIds)
            Assert.Contains(events, e => e.CameraId == cam);
        foreach (var e in events)
        {
            var expected = start.AddSeconds((e.Frame - 1) / SynthSceneFixture.Options.Fps);
            Assert.True(Math.Abs((e.Timestamp - expected).TotalMilliseconds) < 1, $"{e.CameraId} frame {e.Frame} at {e.Timestamp:O}, expected {expected:O}");
        }
    }

    [Fact]
    public void Appearance_association_embeds_every_confident_detection_and_still_tracks()
    {
        string[] inputs = [Path.Combine(fx.First, "cam1", "video.avi"), "--camera-id", "cam1",
            "--detections", Path.Combine(fx.First, "cam1", "gt", "gt.txt"), "--no-video"];
        string plain = Path.Combine(fx.Root, "plain"), withAppearance = Path.Combine(fx.Root, "appearance");
        Assert.Equal(0, ReidProcess.Run(TimeSpan.FromMinutes(3), ["replay", .. inputs, "--out", plain, "--track-appearance", "false"]).ExitCode);
        // On by default since session 6.
        var run = ReidProcess.Run(TimeSpan.FromMinutes(3), ["replay", .. inputs, "--out", withAppearance]);
        Assert.True(run.ExitCode == 0, run.ToString());
        long Crops(string dir) => new ReplayOutput(dir).Summary.GetProperty("cameras")[0].GetProperty("crops").GetInt64();
        // Sampling embeds a track every 5th frame; association embeds every confident detection every frame.
        Assert.True(Crops(withAppearance) > 2 * Crops(plain), $"{Crops(withAppearance)} vs {Crops(plain)}");
        Assert.Contains(new ReplayOutput(withAppearance).Events, e => e.Type == ReId.Core.Events.TrackEventType.Identified);
    }

    [Fact]
    public void One_person_seen_by_two_overlapping_cameras_at_once_keeps_one_identity_only_if_they_are_declared_overlapping()
    {
        // The same footage as two cameras with one clock: every person is in both views at the same instant,
        // with the same crops, so camera b's tracks are the people of camera a's tracks with the same numbers.
        string video = Path.Combine(fx.First, "cam1", "video.avi"), gt = Path.Combine(fx.First, "cam1", "gt", "gt.txt");
        string[] inputs = [video, video, "--camera-id", "a", "b", "--detections", gt, gt, "--no-video", "--start-time", "2026-01-01T12:00:00Z"];
        string separate = Path.Combine(fx.Root, "twin-separate"), overlapping = Path.Combine(fx.Root, "twin-overlapping");
        var run = ReidProcess.Run(TimeSpan.FromMinutes(3), ["replay", .. inputs, "--out", separate]);
        Assert.True(run.ExitCode == 0, run.ToString());
        run = ReidProcess.Run(TimeSpan.FromMinutes(3), ["replay", .. inputs, "--out", overlapping, "--overlapping-cameras", "a,b"]);
        Assert.True(run.ExitCode == 0, run.ToString());

        (int Same, int Tracks) Agreement(string dir)
        {
            var identified = new ReplayOutput(dir).Events.Where(e => e.Type == ReId.Core.Events.TrackEventType.Identified)
                .GroupBy(e => (e.CameraId, e.TrackId)).ToDictionary(g => g.Key, g => g.Select(e => e.PersonId).ToHashSet());
            var inB = identified.Keys.Where(k => k.CameraId == "b").ToList();
            // Same person, same id: b's track was at some point identified as a's twin track.
            return (inB.Count(k => identified.TryGetValue(("a", k.TrackId), out var ids) && ids.Overlaps(identified[k])), inB.Count);
        }
        var (sameOverlapping, tracks) = Agreement(overlapping);
        var (sameSeparate, _) = Agreement(separate);
        Assert.True(tracks >= 3, $"only {tracks} identified tracks in camera b");
        Assert.Equal(tracks, sameOverlapping);      // declared overlapping: b's tracks take the identities live in a
        Assert.True(sameSeparate < sameOverlapping,  // not declared: an identity live in a is busy for b
            $"{sameSeparate} of {tracks} tracks of b share their twin's identity without --overlapping-cameras");
    }

    [Fact]
    public void Tracks_seen_in_the_same_frame_never_end_up_with_one_identity()
    {
        // One camera, six people, pairs of them walking together with one half hidden behind the other:
        // each one's crops show the partner, so once one partner's identity is no longer busy the
        // other's track was re-identified as (or merged into) it. Without the pipeline's rule that tracks
        // seen together are different people, this scene ends with two pairs of side-by-side tracks
        // under one identity.
        string scene = Path.Combine(fx.Root, "pairs"), replay = Path.Combine(fx.Root, "pairs-replay");
        var render = ReidProcess.Run(TimeSpan.FromMinutes(2), "synth-scene", "--out", scene, "--cameras", "1", "--people", "6",
            "--frames", "150", "--width", "480", "--height", "360", "--seed", "1");
        Assert.True(render.ExitCode == 0, render.ToString());
        var run = ReidProcess.Run(TimeSpan.FromMinutes(3), "replay", Path.Combine(scene, "cam1", "video.avi"), "--camera-id", "cam1",
            "--detections", Path.Combine(scene, "cam1", "gt", "gt.txt"), "--no-video", "--out", replay);
        Assert.True(run.ExitCode == 0, run.ToString());

        var output = new ReplayOutput(replay);
        var events = output.Events;
        // Each track's final identity: its last track.identified, following merges to the surviving identity.
        var mergedInto = events.Where(e => e.Type == ReId.Core.Events.TrackEventType.IdentityMerged)
            .ToDictionary(e => e.MergedPersonId!, e => e.PersonId!);
        string Final(string personId) => mergedInto.TryGetValue(personId, out var survivor) ? Final(survivor) : personId;
        var identity = events.Where(e => e.Type == ReId.Core.Events.TrackEventType.Identified)
            .GroupBy(e => e.TrackId).ToDictionary(g => g.Key, g => Final(g.Last().PersonId!));
        Assert.True(identity.Count >= 6, $"only {identity.Count} identified tracks");

        var together = output.Tracks("cam1").GroupBy(r => r.Frame)
            .SelectMany(f => f.SelectMany(a => f.Where(b => b.Id > a.Id).Select(b => (A: a.Id, B: b.Id))))
            .Distinct().ToList();
        Assert.True(together.Count >= 5, $"only {together.Count} pairs of tracks shared a frame");
        var shared = together.Where(p => identity.TryGetValue(p.A, out var a) && identity.TryGetValue(p.B, out var b) && a == b)
            .Select(p => $"tracks {p.A} and {p.B} ({identity[p.A]})").ToList();
        Assert.True(shared.Count == 0, "seen together but given one identity: " + string.Join("; ", shared));
    }

    [Fact]
    public void A_replay_without_the_scene_cameras_is_refused_with_the_fix()
    {
        var eval = ReidProcess.Run(TimeSpan.FromMinutes(1), "eval-scene", "--scene", fx.First, "--replay", fx.Root);
        Assert.Equal(2, eval.ExitCode);
        Assert.Contains("reid: error:", eval.StdErr);
    }
}
