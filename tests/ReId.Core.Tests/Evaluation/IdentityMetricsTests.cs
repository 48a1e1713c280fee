using static ReId.Core.Tests.Evaluation.MotRows;

namespace ReId.Core.Tests.Evaluation;

public class IdentityMetricsTests
{
    [Fact]
    public void Two_trackers_swapping_people_halfway_get_idf1_one_half()
    {
        // People 1 (x=0) and 2 (x=100) stand still for 4 frames; predictions 10 and 20 swap them at frame 3.
        var gt = Enumerable.Range(1, 4).SelectMany(f => new[] { Box(f, 1, 0), Box(f, 2, 100) }).ToList();
        var pred = Enumerable.Range(1, 4).SelectMany(f => f <= 2
            ? new[] { Box(f, 10, 0), Box(f, 20, 100) }
            : new[] { Box(f, 10, 100), Box(f, 20, 0) }).ToList();

        var result = Evaluate(gt, pred);

        // Each pairing covers 2 of 8 detections on each side: IDTP 4, IDFN 4, IDFP 4.
        Assert.Equal((4L, 4L, 4L), (result.Identity.IdTruePositives, result.Identity.IdFalseNegatives, result.Identity.IdFalsePositives));
        Assert.Equal(0.5, result.Identity.Idf1, 12);
        Assert.Equal(0.5, result.Identity.Idp, 12);
        Assert.Equal(0.5, result.Identity.Idr, 12);
        // CLEAR sees every detection matched and two switches at frame 3.
        Assert.Equal(2, result.Clear.IdSwitches);
        Assert.Equal(0.75, result.Clear.Mota, 12);
    }

    [Fact]
    public void A_late_swap_keeps_the_longer_pairing()
    {
        // The swap happens only in the last of 4 frames: 10 stays with person 1 for 3 frames, 20 with person 2.
        var gt = Enumerable.Range(1, 4).SelectMany(f => new[] { Box(f, 1, 0), Box(f, 2, 100) }).ToList();
        var pred = Enumerable.Range(1, 4).SelectMany(f => f <= 3
            ? new[] { Box(f, 10, 0), Box(f, 20, 100) }
            : new[] { Box(f, 10, 100), Box(f, 20, 0) }).ToList();

        var id = Evaluate(gt, pred).Identity;

        Assert.Equal(6, id.IdTruePositives);
        Assert.Equal(0.75, id.Idf1, 12);
    }

    [Fact]
    public void Extra_predicted_track_only_costs_precision()
    {
        var gt = Enumerable.Range(1, 4).Select(f => Box(f, 1, 0)).ToList();
        var pred = Enumerable.Range(1, 4).Select(f => Box(f, 10, 0)).Concat([Box(1, 30, 300), Box(2, 30, 300)]).ToList();

        var id = Evaluate(gt, pred).Identity;

        Assert.Equal((4L, 0L, 2L), (id.IdTruePositives, id.IdFalseNegatives, id.IdFalsePositives));
        Assert.Equal(1.0, id.Idr, 12);
        Assert.Equal(4.0 / 6.0, id.Idp, 12);
        Assert.Equal(4.0 / 5.0, id.Idf1, 12);   // 4 / (4 + 0.5 * 2)
    }
}
