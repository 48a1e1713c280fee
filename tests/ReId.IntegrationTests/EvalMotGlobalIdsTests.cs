using System.Globalization;
using System.Text.Json;
using ReId.Core.Events;

namespace ReId.IntegrationTests;

/// <summary>
/// <c>reid eval-mot --events</c>: global person ids scored against single-camera ground truth, on hand-made files
/// whose answer is known: one person leaves and comes back, a second person walks alone; and <c>--people</c>, which says
/// which ground-truth ids are one person.
/// </summary>
public sealed class EvalMotGlobalIdsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-evalmot-global-").FullName;
    private string Gt => Path.Combine(_dir, "gt.txt");
    private string Pred => Path.Combine(_dir, "cam1", "tracks.txt");
    private string Events => Path.Combine(_dir, "events.jsonl");

    public EvalMotGlobalIdsTests()
    {
        // Person 1 is seen in frames 1-10, leaves, and is back in frames 21-30; person 2 walks in frames 1-30.
        var gt = new List<string>();
        for (int f = 1; f <= 30; f++)
        {
            if (f <= 10 || f > 20) gt.Add(Row(f, 1, 100, 100));
            gt.Add(Row(f, 2, 400, 100));
        }
        File.WriteAllLines(Gt, gt);
        // The tracker loses person 1 while away: track 5 before, track 6 after. Track 7 follows person 2.
        var pred = new List<string>();
        for (int f = 1; f <= 30; f++)
        {
            if (f <= 10) pred.Add(Row(f, 5, 100, 100));
            if (f > 20) pred.Add(Row(f, 6, 100, 100));
            pred.Add(Row(f, 7, 400, 100));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Pred)!);
        File.WriteAllLines(Pred, pred);
    }

    private static string Row(int frame, int id, int x, int y) =>
        string.Create(CultureInfo.InvariantCulture, $"{frame},{id},{x},{y},40,100,1,-1,-1,-1");

    private static TrackEvent Event(string type, int track, string person, int sequence, string? merged = null) => new()
    {
        EventId = TrackEvent.MakeId("test", "cam1", track, sequence),
        Type = type,
        CameraId = "cam1",
        TrackId = track,
        Sequence = sequence,
        PersonId = person,
        MergedPersonId = merged,
        Timestamp = DateTimeOffset.UnixEpoch,
        TimestampSource = "media",
        Frame = 1,
        Source = "test",
        ModelVersion = "test",
        WorkerId = "test",
    };

    private void WriteEvents(params TrackEvent[] events) => File.WriteAllLines(Events, events.Select(TrackEventJson.Serialize));

    private JsonElement Score(params string[] extra) => ScoreAgainst(Gt, extra);

    private JsonElement ScoreAgainst(string gt, params string[] extra)
    {
        string json = Path.Combine(_dir, "metrics.json");
        var r = ReidProcess.Run(TimeSpan.FromMinutes(1), ["eval-mot", "--gt", gt, "--pred", Pred, "--events", Events, "--json", json, .. extra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("global ids (cam1", r.StdOut);
        return JsonDocument.Parse(File.ReadAllText(json)).RootElement;
    }

    [Fact]
    public void A_returning_person_given_their_id_back_scores_full_global_idf1_where_tracks_alone_score_less()
    {
        // Track 6 first got a new id p-3, later found to be p-1 and merged into it: the final id counts.
        WriteEvents(
            Event(TrackEventType.Identified, 5, "p-1", 1),
            Event(TrackEventType.Identified, 7, "p-2", 1),
            Event(TrackEventType.Identified, 6, "p-3", 1),
            Event(TrackEventType.IdentityMerged, 6, "p-1", 2, merged: "p-3"));
        var doc = Score();
        var global = doc.GetProperty("globalIds");
        Assert.Equal(1.0, global.GetProperty("idf1").GetDouble(), 6);
        Assert.Equal(2, global.GetProperty("identifiedPeople").GetInt32());
        Assert.Equal(0, global.GetProperty("splitPeople").GetInt32());
        Assert.Equal(0, global.GetProperty("impureIdentities").GetInt32());
        // Per track, person 1's id changes when they return: 10 of their 20 frames are lost (IDF1 = 2*40/(50+50)).
        double trackIdf1 = doc.GetProperty("sequences")[0].GetProperty("result").GetProperty("identity").GetProperty("idf1").GetDouble();
        Assert.Equal(0.8, trackIdf1, 6);
    }

    [Fact]
    public void A_returning_person_under_a_new_id_is_split_and_an_id_on_two_people_is_impure()
    {
        WriteEvents(
            Event(TrackEventType.Identified, 5, "p-1", 1),
            Event(TrackEventType.Identified, 6, "p-2", 1),
            Event(TrackEventType.Identified, 7, "p-2", 1));
        var global = Score("--camera", "cam1").GetProperty("globalIds");
        Assert.Equal(1, global.GetProperty("splitPeople").GetInt32());       // person 1 under p-1 and p-2
        Assert.Equal(1, global.GetProperty("impureIdentities").GetInt32());  // p-2 is on both people
        // p-2 is paired with person 2 (30 frames) and p-1 with person 1's first 10: their last 10 are lost.
        Assert.Equal(0.8, global.GetProperty("idf1").GetDouble(), 6);
    }

    [Fact]
    public void Events_that_are_missing_or_of_another_camera_are_named_with_the_fix()
    {
        var missing = ReidProcess.Run(TimeSpan.FromMinutes(1), "eval-mot", "--gt", Gt, "--pred", Pred, "--events", Path.Combine(_dir, "nope.jsonl"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--events", missing.StdErr);
        Assert.Contains("nope.jsonl", missing.StdErr);

        WriteEvents(Event(TrackEventType.Identified, 5, "p-1", 1));
        var other = ReidProcess.Run(TimeSpan.FromMinutes(1), "eval-mot", "--gt", Gt, "--pred", Pred, "--events", Events, "--camera", "cam9");
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("cam9", other.StdErr);

        File.WriteAllText(Events, "{not json\n");
        var corrupt = ReidProcess.Run(TimeSpan.FromMinutes(1), "eval-mot", "--gt", Gt, "--pred", Pred, "--events", Events);
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Contains("events.jsonl:1", corrupt.StdErr);
    }

    /// <summary>
    /// Ground truth as MOTChallenge writes it when a person walks out of the view and in again: person 1 is id 1
    /// in frames 1-10 and id 3 in frames 21-30.
    /// </summary>
    private string WriteGtWithNewIdOnReturn()
    {
        string path = Path.Combine(_dir, "gt-new-id.txt");
        File.WriteAllLines(path, File.ReadLines(Gt).Select(line =>
        {
            var f = line.Split(',');
            return f[1] == "1" && int.Parse(f[0], CultureInfo.InvariantCulture) > 20 ? string.Join(',', [f[0], "3", .. f[2..]]) : line;
        }));
        return path;
    }

    [Fact]
    public void A_people_file_makes_the_new_ground_truth_id_of_a_returning_person_the_same_person()
    {
        WriteEvents(
            Event(TrackEventType.Identified, 5, "p-1", 1),
            Event(TrackEventType.Identified, 6, "p-1", 1),
            Event(TrackEventType.Identified, 7, "p-2", 1));
        string gt = WriteGtWithNewIdOnReturn();
        string people = Path.Combine(_dir, "people.csv");
        File.WriteAllLines(people, ["# person 1 came back as id 3", "1,alice", "3,alice"]);

        // Without it, ids 1 and 3 are two people and the correct re-identification counts as a merge.
        var wrong = ScoreAgainst(gt).GetProperty("globalIds");
        Assert.Equal(3, wrong.GetProperty("people").GetInt32());
        Assert.Equal(1, wrong.GetProperty("impureIdentities").GetInt32());
        Assert.True(wrong.GetProperty("idf1").GetDouble() < 0.9);

        var right = ScoreAgainst(gt, "--people", people).GetProperty("globalIds");
        Assert.Equal(2, right.GetProperty("people").GetInt32());
        Assert.Equal(0, right.GetProperty("impureIdentities").GetInt32());
        Assert.Equal(0, right.GetProperty("splitPeople").GetInt32());
        Assert.Equal(1.0, right.GetProperty("idf1").GetDouble(), 6);
    }

    [Theory]
    [InlineData("1,alice\n2,alice", "ids 1 and 2 are both 'alice' but are both in frame 1")]
    [InlineData("1,alice\n9,alice", "ground-truth id 9 is not in the ground truth")]
    [InlineData("# people\n1;alice", "people.csv:2: expected 'gt_id,person'")]
    [InlineData("1,alice\n1,bob", "people.csv:2: ground-truth id 1 is already given a person on line 1")]
    public void A_people_file_that_contradicts_the_ground_truth_or_does_not_parse_is_refused_with_its_line(string content, string message)
    {
        WriteEvents(Event(TrackEventType.Identified, 5, "p-1", 1));
        string people = Path.Combine(_dir, "people.csv");
        File.WriteAllText(people, content);
        var r = ReidProcess.Run(TimeSpan.FromMinutes(1), "eval-mot", "--gt", Gt, "--pred", Pred, "--events", Events, "--people", people);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--people", r.StdErr);
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public void A_people_file_without_events_is_refused_with_the_fix()
    {
        string people = Path.Combine(_dir, "people.csv");
        File.WriteAllText(people, "1,alice\n");
        var r = ReidProcess.Run(TimeSpan.FromMinutes(1), "eval-mot", "--gt", Gt, "--pred", Pred, "--people", people);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("pass --events too", r.StdErr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
