using System.Globalization;
using ReId.Core.Evaluation;
using ReId.Core.Geometry;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// A detector's steady false box on something that never moves (HOG tracks the parked van at the top right
/// of vtest.avi for the whole replay) is not a person: the replay holds such a track back (no events, no
/// identity, no MOT rows) until it moves, which it never does. The real people's tracks are unaffected.
/// </summary>
public sealed class StaticFalseDetectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-static-").FullName;
    // Where HOG boxes the van on vtest.avi, give or take a pixel from frame to frame.
    private static readonly Box Van = new(680.6f, 30.2f, 38.8f, 77.2f);
    private const int Frames = 200;

    /// <summary>The ground-truth boxes of the first frames as detections, plus the van in every frame.</summary>
    private string WriteDetections()
    {
        string path = Path.Combine(_dir, "det.txt");
        var lines = File.ReadLines(RealFootageScoreFixture.GroundTruth)
            .Where(l => int.Parse(l.Split(',')[0], CultureInfo.InvariantCulture) <= Frames).ToList();
        for (int f = 1; f <= Frames; f++)
        {
            float jitter = f % 3 - 1; // -1, 0, +1 px: a detector's box is never pixel-still
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{f},-1,{Van.X + jitter:0.##},{Van.Y - jitter:0.##},{Van.Width + jitter:0.##},{Van.Height:0.##},0.9,-1,-1,-1"));
        }
        File.WriteAllLines(path, lines);
        return path;
    }

    private ReplayOutput Replay(string name, params string[] extra)
    {
        string outDir = Path.Combine(_dir, name);
        var r = ReidProcess.Run(TimeSpan.FromMinutes(3), ["replay", SampleFootage.VtestAvi, "--detections", WriteDetections(), "--out", outDir,
            "--max-frames", Frames.ToString(CultureInfo.InvariantCulture), "--no-video", "--track-appearance", "false", .. extra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return new ReplayOutput(outDir);
    }

    private static bool OnVan((long Frame, int Id, float X, float Y, float W, float H) row) => new Box(row.X, row.Y, row.W, row.H).IoU(Van) >= 0.5f;

    [Fact]
    public void A_track_that_never_moves_is_not_published_and_the_people_are_unaffected()
    {
        var output = Replay("default");
        var camera = output.Summary.GetProperty("cameras")[0];
        Assert.Equal(1, camera.GetProperty("staticTracks").GetInt32());
        Assert.DoesNotContain(output.Tracks("vtest"), OnVan);
        Assert.DoesNotContain(output.Events, e => e.Box is { } b && new Box(b.X, b.Y, b.W, b.H).IoU(Van) >= 0.5f);

        // Every person is still tracked from their first frames: the rows held back while a track had not
        // yet moved are written once it has (recall as without the van).
        var people = MotEvaluator.Evaluate("vtest", MotChallengeFile.Read(RealFootageScoreFixture.GroundTruth).Where(r => r.Frame <= Frames).ToList(),
            MotChallengeFile.Read(Path.Combine(output.CameraDir("vtest"), "tracks.txt")), MotRules.Mot15);
        Assert.True(people.Clear.Recall >= 0.97, $"recall {people.Clear.Recall:0.000}");
        Assert.Equal(0, people.Clear.FalsePositives);
    }

    [Fact]
    public void With_static_iou_1_the_van_is_a_track_and_a_person()
    {
        // The same input with the rule off: proves the default replay had something to hold back.
        var output = Replay("off", "--static-iou", "1");
        Assert.Equal(0, output.Summary.GetProperty("cameras")[0].GetProperty("staticTracks").GetInt32());
        var vanRows = output.Tracks("vtest").Where(OnVan).ToList();
        Assert.True(vanRows.Count > Frames / 2, $"{vanRows.Count} rows on the van");
        int vanTrack = vanRows[0].Id;
        Assert.Contains(output.Events, e => e.TrackId == vanTrack && e.PersonId is not null);
    }

    [Fact]
    public void A_static_iou_outside_0_to_1_is_refused_with_the_fix()
    {
        var r = ReidProcess.Run(TimeSpan.FromMinutes(1), "replay", SampleFootage.VtestAvi, "--out", Path.Combine(_dir, "bad"), "--static-iou", "1.5");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--static-iou must be an IoU between 0 and 1", r.StdErr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
