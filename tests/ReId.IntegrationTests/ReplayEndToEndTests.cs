using Json.Schema;
using OpenCvSharp;
using ReId.Core.Events;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// Replays the first frames of the real sample footage (PETS 2009 S2L1, vtest.avi) through the
/// whole default pipeline (HOG detector, IoU tracker, ResNet-18 embedder on ONNX Runtime, embedded
/// gallery, JSONL events) once, then checks every artefact.
/// </summary>
public sealed class ReplayFixture : IDisposable
{
    public const int Frames = 60;
    public string Root { get; } = Directory.CreateTempSubdirectory("reid-replay-").FullName;
    public ReplayOutput First { get; }
    public ReplayOutput Again { get; }
    public ReidResult FirstRun { get; }
    public ReidResult AgainRun { get; }
    public string Gallery => Path.Combine(Root, "gallery.bin");

    public ReplayFixture()
    {
        string video = SampleFootage.VtestAvi;
        string[] common = [video, "--max-frames", Frames.ToString(), "--start-time", "2009-03-12T09:00:00Z",
            "--gallery-path", Gallery, "--worker-id", "test-worker"];
        FirstRun = ReidProcess.Run(TimeSpan.FromMinutes(5), ["replay", .. common, "--out", Path.Combine(Root, "first")]);
        First = new ReplayOutput(Path.Combine(Root, "first"));
        // The same footage again against the gallery the first run filled: people are recognised.
        AgainRun = ReidProcess.Run(TimeSpan.FromMinutes(5), ["replay", .. common, "--out", Path.Combine(Root, "again"), "--no-video"]);
        Again = new ReplayOutput(Path.Combine(Root, "again"));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public class ReplayEndToEndTests(ReplayFixture fx) : IClassFixture<ReplayFixture>
{
    [Fact]
    public void Replay_succeeds_and_reports_what_it_did()
    {
        Assert.True(fx.FirstRun.ExitCode == 0, fx.FirstRun.ToString());
        Assert.Contains($"replayed {ReplayFixture.Frames} frames", fx.FirstRun.StdOut);
        var summary = fx.First.Summary;
        Assert.Equal(ReplayFixture.Frames, summary.GetProperty("frames").GetInt32());
        Assert.Equal("hog", summary.GetProperty("detector").GetString());
        Assert.Equal("CPU", summary.GetProperty("executionProvider").GetString());
        Assert.StartsWith("reid-resnet18@", summary.GetProperty("model").GetString());
        Assert.True(summary.GetProperty("throughput").GetProperty("endToEndFramesPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Every_event_is_valid_against_the_published_schema()
    {
        var schema = JsonSchema.FromFile(Path.Combine(SampleFootage.RepoRoot, "docs", "schemas", "track-event.v1.schema.json"));
        var lines = fx.First.EventLines;
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            var result = schema.Evaluate(System.Text.Json.Nodes.JsonNode.Parse(line), new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{line}\n{string.Join("\n", result.Details.Where(d => d.HasErrors).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}");
        }
    }

    [Fact]
    public void Events_follow_each_track_lifecycle_in_order()
    {
        var events = fx.First.Events;
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        foreach (var track in events.GroupBy(e => e.TrackId))
        {
            var list = track.ToList();
            Assert.Equal(Enumerable.Range(0, list.Count), list.Select(e => e.Sequence));
            Assert.Equal(TrackEventType.Started, list[0].Type);
            Assert.Equal(TrackEventType.Ended, list[^1].Type); // the replay ends every track it started
            Assert.True(list.Zip(list.Skip(1)).All(p => p.First.Frame <= p.Second.Frame));
            // Each identification (the first, then any revision) carries the next revision number,
            // and every later event of the track carries that identity until the next one.
            var identified = list.Where(e => e.Type == TrackEventType.Identified).ToList();
            Assert.Equal(Enumerable.Range(0, identified.Count), identified.Select(e => e.IdentityRevision));
            string? person = null;
            foreach (var e in list)
            {
                if (e.Type == TrackEventType.Identified) person = e.PersonId;
                else if (e.Type == TrackEventType.IdentityMerged) Assert.NotEqual(e.PersonId, e.MergedPersonId);
                else Assert.Equal(person, e.PersonId);
            }
        }
        Assert.Contains(events, e => e.Type == TrackEventType.Identified);
        // Media timestamps: frame N is (N-1)/fps after the start time (vtest is 10 fps).
        var e0 = events[0];
        Assert.Equal(new DateTimeOffset(2009, 3, 12, 9, 0, 0, TimeSpan.Zero).AddMilliseconds((e0.Frame - 1) * 100), e0.Timestamp);
        Assert.All(events, e => Assert.Equal("media", e.TimestampSource));
    }

    [Fact]
    public void Tracks_file_is_motchallenge_and_matches_the_events()
    {
        var rows = fx.First.Tracks("vtest");
        Assert.NotEmpty(rows);
        Assert.All(rows, r =>
        {
            Assert.InRange(r.Frame, 1, ReplayFixture.Frames);
            Assert.True(r.Id >= 1 && r.W > 0 && r.H > 0);
            Assert.True(r.X >= 0 && r.Y >= 0 && r.X + r.W <= 768.01 && r.Y + r.H <= 576.01);
        });
        var started = fx.First.Events.Where(e => e.Type == TrackEventType.Started).ToList();
        // A track's first confirmed frame appears in tracks.txt with the same box as its start event.
        foreach (var s in started)
            Assert.Contains(rows, r => r.Frame == s.Frame && r.Id == s.TrackId && MathF.Abs(r.X - s.Box!.X) < 0.01f);
    }

    [Fact]
    public void Annotated_video_is_readable_with_the_input_frame_count()
    {
        string path = Path.Combine(fx.First.CameraDir("vtest"), "annotated.avi");
        using var capture = new VideoCapture(path);
        Assert.True(capture.IsOpened());
        int frames = 0;
        using var mat = new Mat();
        while (capture.Read(mat) && !mat.Empty())
        {
            Assert.Equal(768, mat.Width);
            Assert.Equal(576, mat.Height);
            frames++;
        }
        Assert.Equal(ReplayFixture.Frames, frames);
    }

    [Fact]
    public void Identity_sheet_has_a_row_per_identity()
    {
        using var sheet = Cv2.ImRead(Path.Combine(fx.First.Directory, "identities.png"));
        Assert.False(sheet.Empty());
        int identities = fx.First.Summary.GetProperty("identities").GetInt32();
        Assert.True(identities >= 1);
        // Identities merged into another (identity.merged) were duplicates: they have no row.
        var mergedAway = fx.First.Events.Where(e => e.Type == TrackEventType.IdentityMerged).Select(e => e.MergedPersonId).ToHashSet();
        Assert.Equal(identities, fx.First.Events.Where(e => e.PersonId is not null && !mergedAway.Contains(e.PersonId))
            .Select(e => e.PersonId).Distinct().Count());
        Assert.Equal(30 + identities * (128 + 8), sheet.Height);
    }

    [Fact]
    public void Report_has_a_card_per_identity_with_real_crops_and_a_bar_per_track()
    {
        string html = File.ReadAllText(Path.Combine(fx.First.Directory, "report.html"));
        var identified = fx.First.Events.Where(e => e.Type == TrackEventType.Ended && e.PersonId is not null).ToList();
        foreach (var person in identified.GroupBy(e => e.PersonId!))
        {
            int start = html.IndexOf($"<section class=\"card\" id=\"{person.Key}\"", StringComparison.Ordinal);
            Assert.True(start >= 0, $"no card for {person.Key}");
            string card = html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
            Assert.Equal(person.Count(), System.Text.RegularExpressions.Regex.Matches(card, "class=\"sighting\"").Count);
            var images = System.Text.RegularExpressions.Regex.Matches(card, "data:image/jpeg;base64,([A-Za-z0-9+/=]+)");
            Assert.NotEmpty(images);
            using var crop = Cv2.ImDecode(Convert.FromBase64String(images[0].Groups[1].Value), ImreadModes.Color);
            Assert.Equal((64, 128), (crop.Width, crop.Height));
        }
        Assert.Equal(fx.First.Summary.GetProperty("identities").GetInt32(),
            System.Text.RegularExpressions.Regex.Matches(html, "<section class=\"card\"").Count);
    }

    [Fact]
    public async Task Retention_forgets_old_exemplars_before_replaying()
    {
        // The fixture's gallery holds people seen in 2009 (media time); a 30-day retention forgets them.
        string gallery = Path.Combine(fx.Root, "retention-gallery.bin");
        File.Copy(fx.Gallery, gallery);
        string outDir = Path.Combine(fx.Root, "retention");
        long stored;
        await using (var g = new ReId.Gallery.EmbeddedGallery(gallery))
        {
            await g.EnsureReadyAsync(512, CancellationToken.None);
            stored = await g.CountAsync(CancellationToken.None);
        }
        Assert.True(stored > 0);
        var r = ReidProcess.Run(TimeSpan.FromMinutes(3), "replay", SampleFootage.VtestAvi, "--out", outDir, "--max-frames", "20",
            "--no-video", "--gallery-path", gallery, "--retention-days", "30", "--start-time", "2009-03-12T09:00:00Z", "--verbose");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Retention: forgot {stored} exemplar(s) seen more than 30 day(s) ago", r.StdErr);
        // The first identification met an empty gallery: nobody from the earlier replays is left to match.
        var first = new ReplayOutput(outDir).Events.First(e => e.Type == TrackEventType.Identified);
        Assert.Null(first.Similarity);
    }

    [Fact]
    public void A_replay_into_the_folder_of_an_earlier_one_starts_from_an_empty_gallery()
    {
        // Without --gallery-path the gallery is OUT/gallery.bin; the earlier replay's people must not be
        // matched by this one (it would report no new identities at all).
        string outDir = Path.Combine(fx.Root, "twice");
        string[] args = ["replay", SampleFootage.VtestAvi, "--out", outDir, "--max-frames", "40", "--no-video",
            "--detections", RealFootageScoreFixture.GroundTruth, "--track-appearance", "false", "--verbose"];
        var first = ReidProcess.Run(TimeSpan.FromMinutes(3), args);
        Assert.True(first.ExitCode == 0, first.ToString());
        var firstSummary = new ReplayOutput(outDir).Summary;
        Assert.True(firstSummary.GetProperty("identities").GetInt32() > 0);

        var second = ReidProcess.Run(TimeSpan.FromMinutes(3), args);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Replaced the gallery of an earlier replay", second.StdErr);
        var output = new ReplayOutput(outDir);
        Assert.Equal(firstSummary.GetProperty("identities").GetInt32(), output.Summary.GetProperty("identities").GetInt32());
        Assert.Equal(firstSummary.GetProperty("galleryExemplars").GetInt32(), output.Summary.GetProperty("galleryExemplars").GetInt32());
        Assert.All(output.Events.Where(e => e.Type == TrackEventType.Identified), e => Assert.Null(e.Similarity));
    }

    [Fact]
    public void A_second_replay_with_the_same_gallery_recognises_the_people()
    {
        Assert.True(fx.AgainRun.ExitCode == 0, fx.AgainRun.ToString());
        var firstPeople = fx.First.Events.Where(e => e.PersonId is not null).Select(e => e.PersonId!).ToHashSet();
        var again = fx.Again.Events.Where(e => e.Type == TrackEventType.Identified).ToList();
        Assert.NotEmpty(again);
        int recognised = again.Count(e => firstPeople.Contains(e.PersonId!) && e.Similarity is not null);
        Assert.True(recognised * 2 >= again.Count, $"only {recognised} of {again.Count} tracks were recognised from the first replay");
        // Deterministic ids: same footage, same tracks, same event ids.
        var firstIds = fx.First.Events.Select(e => e.EventId).ToHashSet();
        Assert.All(fx.Again.Events.Where(e => e.Type == TrackEventType.Started), e => Assert.Contains(e.EventId, firstIds));
    }
}
