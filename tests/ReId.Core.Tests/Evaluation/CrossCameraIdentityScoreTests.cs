using ReId.Core.Evaluation;

namespace ReId.Core.Tests.Evaluation;

public class CrossCameraIdentityScoreTests
{
    private static MotRow Row(int frame, int id, double x) => new(frame, id, x, 100, 40, 100, 1, null, null, 0);

    /// <summary>Ten frames of one box per track at the given x positions.</summary>
    private static List<MotRow> Tracks(params (int Id, double X)[] tracks) =>
        Frames(1, 10, tracks);

    /// <summary>One box per track in each frame from <paramref name="first"/> to <paramref name="last"/>.</summary>
    private static List<MotRow> Frames(int first, int last, params (int Id, double X)[] tracks) =>
        Enumerable.Range(first, last - first + 1).SelectMany(f => tracks.Select(t => Row(f, t.Id, t.X))).ToList();

    private static Dictionary<int, string> Ids(params (int Track, string Person)[] ids) => ids.ToDictionary(i => i.Track, i => i.Person);

    private static void AssertCounts(IdentityMetrics m, long idtp, long idfp, long idfn)
    {
        Assert.Equal(idtp, m.IdTruePositives);
        Assert.Equal(idfp, m.IdFalsePositives);
        Assert.Equal(idfn, m.IdFalseNegatives);
    }

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
        Assert.Equal(3, r.IdentifiedPeople);        // alice, bob, carol
        Assert.Equal(0, r.SplitPeople);             // each under one id
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
        Assert.Equal(1, r.IdentifiedPeople);
        Assert.Equal(1, r.SplitPeople);             // alice under p-1, p-9 and p-7
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

    [Fact]
    public void Global_ids_that_follow_everyone_through_every_camera_give_an_mtmc_idf1_of_one()
    {
        var a = new CameraIdentityData("A", Tracks((1, 0), (2, 300)), Tracks((11, 2), (12, 301)),
            Ids((1, "alice"), (2, "bob")), Ids((11, "p-1"), (12, "p-2")));
        var b = new CameraIdentityData("B", Tracks((7, 0)), Tracks((21, 1)), Ids((7, "alice")), Ids((21, "p-1")));
        var m = CrossCameraIdentityScore.Compute([a, b]).MultiCamera;
        AssertCounts(m.Identity, idtp: 30, idfp: 0, idfn: 0);
        Assert.Equal(1.0, m.Identity.Idf1);
        Assert.Equal(1.0, m.Identity.Idp);
        Assert.Equal(1.0, m.Identity.Idr);
        Assert.Equal(2, m.People);       // alice counts once across both cameras
        Assert.Equal(2, m.PredictedIds);
    }

    [Fact]
    public void A_person_split_over_two_global_ids_across_cameras_earns_half_of_their_frames()
    {
        // Same frame numbers and boxes in both cameras: only the (camera, frame) key keeps them apart.
        var a = new CameraIdentityData("A", Tracks((1, 0)), Tracks((11, 0)), Ids((1, "alice")), Ids((11, "p-1")));
        var split = new CameraIdentityData("B", Tracks((1, 0)), Tracks((21, 0)), Ids((1, "alice")), Ids((21, "p-2")));
        var m = CrossCameraIdentityScore.Compute([a, split]).MultiCamera;
        AssertCounts(m.Identity, idtp: 10, idfp: 10, idfn: 10); // alice pairs with one id for all 20 frames
        Assert.Equal(0.5, m.Identity.Idf1);
        Assert.Equal(1, m.People);
        Assert.Equal(2, m.PredictedIds);

        // Each camera alone is perfect: single-camera IDF1 cannot see the split.
        foreach (var camera in new[] { a, split })
            Assert.Equal(1.0, IdentityMatching.Evaluate(MotPreprocessor.Prepare(camera.CameraId, camera.GroundTruth, camera.Predictions, MotRules.Mot15)).Idf1);

        var kept = split with { PredictedPerson = Ids((21, "p-1")) };
        AssertCounts(CrossCameraIdentityScore.Compute([a, kept]).MultiCamera.Identity, idtp: 20, idfp: 0, idfn: 0);
    }

    [Fact]
    public void Two_people_merged_under_one_global_id_lose_the_smaller_ones_frames()
    {
        var a = new CameraIdentityData("A", Tracks((1, 0)), Tracks((11, 0)), Ids((1, "alice")), Ids((11, "p-1")));
        var b = new CameraIdentityData("B", Frames(1, 6, (2, 0)), Frames(1, 6, (21, 0)), Ids((2, "bob")), Ids((21, "p-1")));
        var m = CrossCameraIdentityScore.Compute([a, b]).MultiCamera;
        // p-1 pairs with alice (10 frames); bob's 6 frames are missed and p-1's 6 frames on bob are wrong.
        AssertCounts(m.Identity, idtp: 10, idfp: 6, idfn: 6);
        Assert.Equal(10.0 / 16, m.Identity.Idf1);
        Assert.Equal(10.0 / 16, m.Identity.Idp);
        Assert.Equal(10.0 / 16, m.Identity.Idr);
        Assert.Equal(2, m.People);
        Assert.Equal(1, m.PredictedIds);
    }

    [Fact]
    public void Unidentified_tracks_are_ids_of_their_own_even_with_the_same_track_number_in_another_camera()
    {
        var a = new CameraIdentityData("A", Tracks((1, 0)), Tracks((11, 0)), Ids((1, "alice")), Ids());
        var b = new CameraIdentityData("B", Frames(1, 4, (1, 0)), Frames(1, 4, (11, 0)), Ids((1, "alice")), Ids());
        var m = CrossCameraIdentityScore.Compute([a, b]).MultiCamera;
        AssertCounts(m.Identity, idtp: 10, idfp: 4, idfn: 4);
        Assert.Equal(2, m.PredictedIds);
    }

    [Fact]
    public void A_ground_truth_track_without_cross_camera_truth_is_a_person_of_its_own()
    {
        var a = new CameraIdentityData("A", Tracks((1, 0)), Tracks((11, 0)), Ids(), Ids((11, "p-1")));
        var b = new CameraIdentityData("B", Tracks((1, 0)), Tracks((21, 0)), Ids(), Ids((21, "p-1")));
        var m = CrossCameraIdentityScore.Compute([a, b]).MultiCamera;
        AssertCounts(m.Identity, idtp: 10, idfp: 10, idfn: 10); // gt 1 in A and gt 1 in B are not known to be one person
        Assert.Equal(2, m.People);
    }

    [Fact]
    public void One_global_id_on_two_live_tracks_is_a_merge_on_two_people_and_a_duplicate_on_one()
    {
        // Two people at once under p-1 (e.g. after an identity merge): p-1 can only match one of them.
        var merged = new CameraIdentityData("A", Tracks((1, 0), (2, 300)), Tracks((11, 0), (12, 300)),
            Ids((1, "alice"), (2, "bob")), Ids((11, "p-1"), (12, "p-1")));
        AssertCounts(CrossCameraIdentityScore.Compute([merged]).MultiCamera.Identity, idtp: 10, idfp: 10, idfn: 10);

        // Two tracks on alice both under p-1: her frames count once, the second box is a false positive.
        var duplicate = new CameraIdentityData("A", Tracks((1, 0)), Tracks((11, 0), (12, 1)),
            Ids((1, "alice")), Ids((11, "p-1"), (12, "p-1")));
        AssertCounts(CrossCameraIdentityScore.Compute([duplicate]).MultiCamera.Identity, idtp: 10, idfp: 10, idfn: 0);
    }
}
