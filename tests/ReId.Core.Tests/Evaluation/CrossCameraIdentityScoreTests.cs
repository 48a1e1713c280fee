using ReId.Core.Evaluation;

namespace ReId.Core.Tests.Evaluation;

public class CrossCameraIdentityScoreTests
{
    private static MotRow Row(int frame, int id, double x) => new(frame, id, x, 100, 40, 100, 1, null, null, 0);

    /// <summary>Ten frames of one box per track at the given x positions.</summary>
    private static List<MotRow> Tracks(params (int Id, double X)[] tracks) =>
        Enumerable.Range(1, 10).SelectMany(f => tracks.Select(t => Row(f, t.Id, t.X))).ToList();

    [Fact]
    public void A_person_who_keeps_one_id_across_cameras_is_consistent_and_a_merged_id_is_impure()
    {
        // Camera A: alice (gt 1) and bob (gt 2); camera B: alice (gt 7) and carol (gt 8).
        var a = new CameraIdentityData("A", Tracks((1, 0), (2, 300)), Tracks((11, 2), (12, 301)),
            new Dictionary<int, string> { [1] = "alice", [2] = "bob" },
            new Dictionary<int, string> { [11] = "p-1", [12] = "p-2" });
        var b = new CameraIdentityData("B", Tracks((7, 0), (8, 300)), Tracks((21, 1), (22, 299)),
            new Dictionary<int, string> { [7] = "alice", [8] = "carol" },
            new Dictionary<int, string> { [21] = "p-1", [22] = "p-2" }); // carol wrongly given bob's id
        var r = CrossCameraIdentityScore.Compute([a, b]);
        Assert.Equal(1, r.MultiCameraPeople);       // only alice is in both cameras
        Assert.Equal(1, r.ConsistentPeople);        // and keeps p-1
        Assert.Equal(2, r.Identities);
        Assert.Equal(1, r.ImpureIdentities);        // p-2 is bob and carol
        Assert.Equal(1.0, r.Consistency);
        Assert.Equal(0.5, r.Impurity);
        Assert.Equal(4, r.MatchedTracks);
    }

    [Fact]
    public void A_person_split_into_different_ids_per_camera_is_not_consistent()
    {
        var a = new CameraIdentityData("A", Tracks((1, 0)), Tracks((11, 0)),
            new Dictionary<int, string> { [1] = "alice" }, new Dictionary<int, string> { [11] = "p-1" });
        var b = new CameraIdentityData("B", Tracks((1, 0)), Tracks((31, 0), (32, 0)),
            new Dictionary<int, string> { [1] = "alice" }, new Dictionary<int, string> { [31] = "p-9", [32] = "p-1" });
        var c = new CameraIdentityData("C", Tracks((1, 0)), Tracks((41, 0)),
            new Dictionary<int, string> { [1] = "alice" }, new Dictionary<int, string> { [41] = "p-7" });
        // p-1 is in A and B but not C: no single id spans all three cameras.
        var r = CrossCameraIdentityScore.Compute([a, b, c]);
        Assert.Equal(1, r.MultiCameraPeople);
        Assert.Equal(0, r.ConsistentPeople);
        Assert.Equal(0, r.ImpureIdentities);
        Assert.Equal(3, r.Identities);
    }

    [Fact]
    public void Tracks_overlapping_nobody_are_left_out()
    {
        var a = new CameraIdentityData("A", Tracks((1, 0)), Tracks((11, 500)),
            new Dictionary<int, string> { [1] = "alice" }, new Dictionary<int, string> { [11] = "p-1" });
        var r = CrossCameraIdentityScore.Compute([a]);
        Assert.Equal(0, r.MatchedTracks);
        Assert.Equal(1, r.UnmatchedTracks);
        Assert.Equal(0, r.Identities);
        Assert.True(double.IsNaN(r.Consistency));
    }
}
