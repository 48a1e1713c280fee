using System.Text.Json;
using ReId.Core.Evaluation;
using ReId.TestSupport;
using ReIdWorker.Replay;

namespace ReId.IntegrationTests;

/// <summary>
/// The real sample footage scored against its MOTChallenge ground truth (tests/data/PETS09-S2L1): the
/// default tracker and resolver replay vtest.avi with the ground-truth boxes as detections (so the real
/// frames, crops and motion are tested, not a detector), and eval-mot scores the tracks and global ids.
/// </summary>
public sealed class RealFootageScoreFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("reid-pets-").FullName;
    public static string GroundTruth => Path.Combine(SampleFootage.RepoRoot, "tests", "data", "PETS09-S2L1", "gt", "gt.txt");
    /// <summary>Which of the 19 ground-truth ids are the same person (10 people; see PROVENANCE.md there).</summary>
    public static string People => Path.Combine(SampleFootage.RepoRoot, "tests", "data", "PETS09-S2L1", "people.csv");
    public string ReplayDir => Path.Combine(Root, "replay");
    public ReidResult Replay { get; }
    public ReidResult Eval { get; }
    public JsonElement Metrics { get; }

    public RealFootageScoreFixture()
    {
        string replay = ReplayDir, json = Path.Combine(Root, "metrics.json");
        Replay = ReidProcess.Run(TimeSpan.FromMinutes(5), "replay", SampleFootage.VtestAvi, "--detections", GroundTruth, "--no-video", "--out", replay);
        Eval = ReidProcess.Run(TimeSpan.FromMinutes(2), "eval-mot", "--gt", GroundTruth, "--pred", Path.Combine(replay, "vtest", "tracks.txt"),
            "--events", Path.Combine(replay, "events.jsonl"), "--people", People, "--json", json);
        Metrics = File.Exists(json) ? JsonDocument.Parse(File.ReadAllText(json)).RootElement.Clone() : default;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public class RealFootageScoreTests(RealFootageScoreFixture fx) : IClassFixture<RealFootageScoreFixture>
{
    [Fact]
    public void With_true_boxes_the_tracker_follows_the_real_people_almost_without_switches()
    {
        Assert.True(fx.Replay.ExitCode == 0, fx.Replay.ToString());
        Assert.True(fx.Eval.ExitCode == 0, fx.Eval.ToString());
        var result = fx.Metrics.GetProperty("sequences")[0].GetProperty("result");
        // Measured: MOTA 0.991, IDF1 0.900, 2 ID switches over 19 ground-truth ids and 795 frames (IDF1 0.939
        // with motion and overlap only: appearance resumes a lost track on the same man walking back into view
        // 2.5 s later, whom the ground truth gives a new id). The floors leave room for numeric noise, not for
        // a tracker that swaps people at crossings.
        Assert.True(result.GetProperty("clear").GetProperty("mota").GetDouble() >= 0.97, fx.Eval.StdOut);
        Assert.True(result.GetProperty("identity").GetProperty("idf1").GetDouble() >= 0.88, fx.Eval.StdOut);
        Assert.True(result.GetProperty("clear").GetProperty("idSwitches").GetInt32() <= 6, fx.Eval.StdOut);
        // 174 ground-truth rows of people while hidden are flagged 0 and ignored, as MOTChallenge does.
        Assert.Contains("174 ground-truth rows ignored", fx.Eval.StdOut);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void A_person_hidden_for_seconds_comes_back_as_a_new_track_under_their_global_id(int person)
    {
        // Persons 11 and 12 are hidden for 71 and 98 frames (7-10 s), longer than the tracker keeps a lost
        // track, so they come back as new tracks and only re-identification can give them their id back.
        Assert.True(fx.Replay.ExitCode == 0, fx.Replay.ToString());
        var truth = MotChallengeFile.Read(RealFootageScoreFixture.GroundTruth).Where(r => r.Id == person && r.Conf > 0).ToDictionary(r => r.Frame);
        var tracksOfPerson = MotChallengeFile.Read(Path.Combine(fx.ReplayDir, "vtest", "tracks.txt"))
            .Where(r => truth.TryGetValue(r.Frame, out var t) && BoxIou.Of(r, t) >= 0.5)
            .GroupBy(r => r.Id).Where(g => g.Count() >= 10).Select(g => g.Key).ToList();
        Assert.True(tracksOfPerson.Count >= 2, $"person {person} should be two tracks (before and after hiding), found {tracksOfPerson.Count}");

        var final = FinalIdentities.Read(Path.Combine(fx.ReplayDir, "events.jsonl"), "events");
        var ids = tracksOfPerson.Select(t => final.GetValueOrDefault(("vtest", t))).ToList();
        Assert.All(ids, id => Assert.NotNull(id));
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public void The_ten_people_behind_the_nineteen_ground_truth_ids_each_keep_one_global_id_and_no_id_covers_two()
    {
        // The ground truth gives a person a new id each time they walk into the view again: its 19 ids are 10
        // people, 6 of whom leave and come back (people.csv). Measured: every one of the 10 keeps one global id
        // and no id covers two of them (global IDF1 0.996). A resolver that gave returning people new ids
        // would split 6 people; one that merged look-alikes (most wear dark jackets) would make ids impure.
        Assert.True(fx.Eval.ExitCode == 0, fx.Eval.ToString());
        var global = fx.Metrics.GetProperty("globalIds");
        Assert.Equal(10, global.GetProperty("people").GetInt32());
        Assert.Equal(10, global.GetProperty("identifiedPeople").GetInt32());
        Assert.Equal(0, global.GetProperty("splitPeople").GetInt32());
        Assert.Equal(0, global.GetProperty("impureIdentities").GetInt32());
        Assert.True(global.GetProperty("idf1").GetDouble() >= 0.95, fx.Eval.StdOut);
    }
}
