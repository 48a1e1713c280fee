using ReId.Core.Evaluation;
using static ReId.Core.Tests.Evaluation.MotRows;

namespace ReId.Core.Tests.Evaluation;

public class ClearMotTests
{
    [Fact]
    public void A_new_prediction_id_on_the_same_person_is_one_id_switch()
    {
        // gt 1 stands still for 4 frames; the tracker calls it 10, then 20.
        var gt = Enumerable.Range(1, 4).Select(f => Box(f, 1, 0)).ToList();
        var pred = new[] { Box(1, 10, 0), Box(2, 10, 0), Box(3, 20, 0), Box(4, 20, 0) };

        var c = Evaluate(gt, pred).Clear;

        Assert.Equal((4L, 0L, 0L, 1L, 0L), (c.TruePositives, c.FalseNegatives, c.FalsePositives, c.IdSwitches, c.Fragmentations));
        Assert.Equal(0.75, c.Mota, 12);   // (4 - 0 - 1) / 4
        Assert.Equal(1.0, c.Motp, 12);
    }

    [Fact]
    public void Matching_keeps_last_frames_correspondence_over_a_better_overlap()
    {
        // Frame 2: prediction 10 drifts to IoU 2/3 while a new prediction 20 sits exactly on the person.
        // CLEAR MOT keeps 10 (no switch) and counts 20 as a false positive.
        var gt = new[] { Box(1, 1, 0), Box(2, 1, 0) };
        var pred = new[] { Box(1, 10, 0), Box(2, 10, 2), Box(2, 20, 0) };

        var c = Evaluate(gt, pred).Clear;

        Assert.Equal(0, c.IdSwitches);
        Assert.Equal(2, c.TruePositives);
        Assert.Equal(1, c.FalsePositives);
        Assert.Equal((1.0 + 80.0 / 120.0) / 2, c.Motp, 12);
    }

    [Fact]
    public void A_miss_between_matches_is_a_fragmentation_not_a_switch()
    {
        // Frame 3 loses the person (the only prediction is elsewhere) and frame 4 picks it up with the same id.
        var gt = Enumerable.Range(1, 5).Select(f => Box(f, 1, 0)).ToList();
        var pred = new[] { Box(1, 10, 0), Box(2, 10, 0), Box(3, 99, 500), Box(4, 10, 0), Box(5, 10, 0) };

        var c = Evaluate(gt, pred).Clear;

        Assert.Equal((4L, 1L, 1L, 0L, 1L), (c.TruePositives, c.FalseNegatives, c.FalsePositives, c.IdSwitches, c.Fragmentations));
        Assert.Equal(0.6, c.Mota, 12);   // (4 - 1 - 0) / 5
    }

    [Fact]
    public void A_frame_without_any_prediction_does_not_break_the_track_as_in_trackeval()
    {
        // Same as above without the stray prediction in frame 3. TrackEval skips frames with no predictions
        // before it updates "tracked last frame", so no fragmentation is counted; we reproduce that.
        var gt = Enumerable.Range(1, 5).Select(f => Box(f, 1, 0)).ToList();
        var pred = new[] { Box(1, 10, 0), Box(2, 10, 0), Box(4, 10, 0), Box(5, 10, 0) };

        var c = Evaluate(gt, pred).Clear;

        Assert.Equal((4L, 1L, 0L, 0L), (c.TruePositives, c.FalseNegatives, c.FalsePositives, c.Fragmentations));
    }

    [Fact]
    public void Iou_of_exactly_one_half_matches_and_just_below_does_not()
    {
        var gt = new[] { Box(1, 1, 0), Box(2, 1, 0) };
        // 10x10 inside 10x20: IoU 100/200 = 0.5; inside 10x20.1: 100/201.
        var pred = new[] { Box(1, 10, 0, h: 20), Box(2, 10, 0, h: 20.1) };

        var c = Evaluate(gt, pred).Clear;

        Assert.Equal((1L, 1L, 1L), (c.TruePositives, c.FalseNegatives, c.FalsePositives));
        Assert.Equal(0.5, c.Motp, 12);
    }

    [Fact]
    public void Mostly_tracked_needs_more_than_80_percent_and_mostly_lost_less_than_20()
    {
        // Four people 10 frames each, far apart; matched in 9, 8, 2 and 1 of their frames.
        var gt = new List<MotRow>();
        var pred = new List<MotRow>();
        (int id, int tracked)[] people = [(1, 9), (2, 8), (3, 2), (4, 1)];
        foreach (var (id, tracked) in people)
            for (int f = 1; f <= 10; f++)
            {
                gt.Add(Box(f, id, id * 100));
                if (f <= tracked) pred.Add(Box(f, 10 + id, id * 100));
            }

        var c = Evaluate(gt, pred).Clear;

        Assert.Equal(1, c.MostlyTracked);      // 0.9
        Assert.Equal(2, c.PartiallyTracked);   // 0.8 and 0.2 sit on the PT side of both thresholds
        Assert.Equal(1, c.MostlyLost);         // 0.1
        Assert.Equal(4, c.GtTracks);
    }

    [Fact]
    public void Sequence_without_predictions_is_all_misses_and_mostly_lost()
    {
        var gt = new[] { Box(1, 1, 0), Box(2, 1, 0), Box(2, 2, 50) };

        var c = Evaluate(gt, []).Clear;

        Assert.Equal((0L, 3L, 0L, 2), (c.TruePositives, c.FalseNegatives, c.FalsePositives, c.MostlyLost));
        Assert.Equal(0.0, c.Mota, 12);
    }
}
