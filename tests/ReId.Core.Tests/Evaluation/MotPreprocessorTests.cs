using ReId.Core.Evaluation;
using static ReId.Core.Tests.Evaluation.MotRows;

namespace ReId.Core.Tests.Evaluation;

public class MotPreprocessorTests
{
    [Fact]
    public void Ground_truth_flagged_zero_is_not_a_miss()
    {
        // Person 2 is flagged 0 (do not consider): nobody tracks it and that costs nothing.
        var gt = new[] { Box(1, 1, 0), Box(1, 2, 100, conf: 0), Box(2, 1, 0), Box(2, 2, 100, conf: 0) };
        var pred = new[] { Box(1, 10, 0), Box(2, 10, 0) };

        var result = Evaluate(gt, pred);

        Assert.Equal((2L, 0L, 0L), (result.Clear.TruePositives, result.Clear.FalseNegatives, result.Clear.FalsePositives));
        Assert.Equal(1, result.Clear.GtTracks);
        Assert.Equal(2, result.GtRowsIgnored);
        Assert.Equal(1.0, result.Identity.Idf1, 12);
    }

    [Fact]
    public void Under_mot15_rules_a_prediction_on_an_ignored_row_is_a_false_positive()
    {
        // No ignore regions in MOTChallenge: the flag removes the row, not the area.
        var gt = new[] { Box(1, 1, 0), Box(1, 2, 100, conf: 0) };
        var pred = new[] { Box(1, 10, 0), Box(1, 20, 100) };

        var c = Evaluate(gt, pred).Clear;

        Assert.Equal((1L, 0L, 1L), (c.TruePositives, c.FalseNegatives, c.FalsePositives));
    }

    [Fact]
    public void Under_mot17_rules_a_prediction_on_a_distractor_is_removed_and_other_classes_are_not_scored()
    {
        var gt = new[]
        {
            Box(1, 1, 0, cls: 1, visibility: 1),            // pedestrian
            Box(1, 2, 100, conf: 0, cls: 7, visibility: 1), // static person: distractor
            Box(1, 3, 200, conf: 0, cls: 3, visibility: 1), // car: neither scored nor a distractor
        };
        var pred = new[] { Box(1, 10, 0), Box(1, 20, 100), Box(1, 30, 200) };

        var result = Evaluate(gt, pred, MotRules.Mot17);

        Assert.Equal(1, result.PredRowsRemoved);   // the one on the static person
        Assert.Equal(2, result.GtRowsIgnored);
        Assert.Equal((1L, 0L, 1L), (result.Clear.TruePositives, result.Clear.FalseNegatives, result.Clear.FalsePositives));
    }

    [Fact]
    public void Non_mot_vehicle_is_a_distractor_only_under_mot20_rules()
    {
        var gt = new[] { Box(1, 1, 0, cls: 1, visibility: 1), Box(1, 2, 100, conf: 0, cls: 6, visibility: 1) };
        var pred = new[] { Box(1, 10, 0), Box(1, 20, 100) };

        Assert.Equal(1, Evaluate(gt, pred, MotRules.Mot17).Clear.FalsePositives);
        Assert.Equal(0, Evaluate(gt, pred, MotRules.Mot20).Clear.FalsePositives);
    }

    [Fact]
    public void A_pedestrian_flagged_zero_is_ignored_but_a_prediction_on_it_still_counts_under_mot17_rules()
    {
        var gt = new[] { Box(1, 1, 0, conf: 0, cls: 1, visibility: 0.1) };
        var pred = new[] { Box(1, 10, 0) };

        var c = Evaluate(gt, pred, MotRules.Mot17).Clear;

        Assert.Equal((0L, 0L, 1L), (c.TruePositives, c.FalseNegatives, c.FalsePositives));
    }

    [Fact]
    public void Rules_are_detected_from_the_class_column_and_the_sequence_name()
    {
        var mot15 = new[] { Box(1, 1, 0, cls: -1, visibility: -1) };
        var mot15WorldCoordinates = new[] { Box(1, 1, 0, cls: 4.4852, visibility: 5.5016) };
        var classed = new[] { Box(1, 1, 0, cls: 1, visibility: 0.8), Box(1, 2, 50, conf: 0, cls: 8, visibility: 1) };

        Assert.Equal(MotRules.Mot15, MotRulesDetection.Detect(mot15, "TUD-Campus"));
        Assert.Equal(MotRules.Mot15, MotRulesDetection.Detect(mot15WorldCoordinates, "TUD-Stadtmitte"));
        Assert.Equal(MotRules.Mot15, MotRulesDetection.Detect([Box(1, 1, 0)], "six-columns"));
        Assert.Equal(MotRules.Mot17, MotRulesDetection.Detect(classed, "MOT17-02-FRCNN"));
        Assert.Equal(MotRules.Mot20, MotRulesDetection.Detect(classed, "MOT20-01"));
    }

    [Fact]
    public void Mot17_rules_on_a_file_without_class_ids_name_the_line()
    {
        var gt = new[] { Box(1, 1, 0, cls: 1, visibility: 1), Box(2, 1, 0, cls: -1, visibility: -1) };

        var error = Assert.Throws<FormatException>(() => Evaluate(gt, [], MotRules.Mot17));

        Assert.StartsWith($"hand:{gt[1].Line}: class '-1'", error.Message);
        Assert.Contains("MOT15", error.Message);
    }
}
