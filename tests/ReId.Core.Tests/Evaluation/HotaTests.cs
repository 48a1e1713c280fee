using ReId.Core.Evaluation;
using static ReId.Core.Tests.Evaluation.MotRows;

namespace ReId.Core.Tests.Evaluation;

public class HotaTests
{
    [Fact]
    public void Alphas_are_the_nineteen_thresholds_from_five_to_ninety_five_percent()
    {
        Assert.Equal(19, HotaMetrics.Alphas.Count);
        Assert.Equal(0.05, HotaMetrics.Alphas[0], 12);
        Assert.Equal(0.95, HotaMetrics.Alphas[^1], 12);
    }

    [Fact]
    public void Perfect_tracking_scores_one()
    {
        var gt = Enumerable.Range(1, 3).SelectMany(f => new[] { Box(f, 1, 0), Box(f, 2, 100) }).ToList();
        var pred = gt.Select(r => r with { Id = r.Id + 10 }).ToList();

        var h = Evaluate(gt, pred).Hota;

        Assert.Equal(1.0, h.Hota, 12);
        Assert.Equal(1.0, h.DetA, 12);
        Assert.Equal(1.0, h.AssA, 12);
        Assert.Equal(1.0, h.LocA, 12);
    }

    [Fact]
    public void Localisation_threshold_drops_a_match_above_its_iou()
    {
        // One detection at IoU 0.625 (10x10 inside 10x16): a match for alpha 0.05..0.60 (12 thresholds), a
        // miss plus a false positive for 0.65..0.95 (7 thresholds).
        var h = Evaluate([Box(1, 1, 0)], [Box(1, 10, 0, h: 16)]).Hota;

        Assert.Equal(12.0 / 19.0, h.Hota, 12);
        Assert.Equal(12.0 / 19.0, h.DetA, 12);
        Assert.Equal(12.0 / 19.0, h.AssA, 12);
        // TrackEval defines LocA as 1 where there is no match, hence the 7 ones.
        Assert.Equal((12 * 0.625 + 7 * 1.0) / 19.0, h.LocA, 12);
    }

    [Fact]
    public void Splitting_one_person_into_two_predicted_ids_halves_association()
    {
        var gt = Enumerable.Range(1, 4).Select(f => Box(f, 1, 0)).ToList();
        var pred = new[] { Box(1, 10, 0), Box(2, 10, 0), Box(3, 20, 0), Box(4, 20, 0) };

        var h = Evaluate(gt, pred).Hota;

        // Every detection is found (DetA 1); each match's pair shares 2 of the 4 + 2 - 2 frames (AssA 1/2).
        Assert.Equal(1.0, h.DetA, 12);
        Assert.Equal(0.5, h.AssA, 12);
        Assert.Equal(Math.Sqrt(0.5), h.Hota, 12);
    }
}
