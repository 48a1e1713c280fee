using ReId.Core.Identity;

namespace ReId.Core.Tests;

public class LiveIdentitiesTests
{
    private static CameraOverlap Overlap(params string[] groups) => CameraOverlap.Parse(groups, out _)!;

    [Fact]
    public void An_identity_is_busy_in_its_own_camera_and_in_cameras_that_do_not_overlap_it()
    {
        var live = new LiveIdentities(Overlap("hall-east,hall-west"));
        live.Acquire("p-ann", "hall-east");

        Assert.Contains("p-ann", live.BusyFor("hall-east"));   // two tracks of one view are two people
        Assert.Contains("p-ann", live.BusyFor("car-park"));    // elsewhere at the same time: not Ann
        Assert.DoesNotContain("p-ann", live.BusyFor("hall-west")); // the other view of the same hall may see Ann too
    }

    [Fact]
    public void Without_overlap_an_identity_on_a_live_track_is_busy_everywhere_until_every_track_releases_it()
    {
        var live = new LiveIdentities(CameraOverlap.None);
        live.Acquire("p-bob", "a");
        live.Acquire("p-bob", "b");
        live.Release("p-bob", "a");
        Assert.Contains("p-bob", live.BusyFor("a")); // still live in b
        live.Release("p-bob", "b");
        Assert.Empty(live.BusyFor("a"));
        live.Release("p-bob", "b"); // an extra release is harmless
        Assert.Empty(live.BusyFor("b"));
    }

    [Fact]
    public void Overlap_groups_pair_every_two_cameras_of_a_group_and_only_those()
    {
        var overlap = Overlap("c1,c2", " c2 , c3 ");
        Assert.True(overlap.Overlaps("c1", "c2"));
        Assert.True(overlap.Overlaps("c3", "c2"));
        Assert.False(overlap.Overlaps("c1", "c3")); // not a group together: the corridor's ends do not see each other
        Assert.False(overlap.Overlaps("c1", "c1"));
        Assert.Equal(["c1", "c2", "c3"], overlap.Cameras.Order());
    }

    [Theory]
    [InlineData("cam1")]
    [InlineData("cam1,cam1")]
    [InlineData(",")]
    public void A_group_of_fewer_than_two_cameras_is_refused_with_the_fix(string group)
    {
        Assert.Null(CameraOverlap.Parse(["a,b", group], out var problem));
        Assert.Contains($"'{group}' name fewer than two cameras", problem);
        Assert.Contains("e.g. cam1,cam2", problem);
    }
}
