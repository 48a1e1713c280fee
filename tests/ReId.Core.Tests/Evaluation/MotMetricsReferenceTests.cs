using ReId.Core.Evaluation;

namespace ReId.Core.Tests.Evaluation;

/// <summary>
/// Our metrics against values published by the reference projects for the same files
/// (Fixtures/motmetrics/PROVENANCE.md says where each file and number comes from).
/// </summary>
public class MotMetricsReferenceTests
{
    /// <summary>
    /// One row of py-motmetrics' expected table in motmetrics/tests/test_metrics.py::test_motchallenge_files
    /// (columns motchallenge_metrics[:15]). MOTP there is the mean distance 1 - IoU.
    /// </summary>
    public sealed record PublishedRow(
        double Idf1, double Idp, double Idr, double Recall, double Precision,
        int GtTracks, int MostlyTracked, int PartiallyTracked, int MostlyLost,
        long FalsePositives, long FalseNegatives, long IdSwitches, long Fragmentations,
        double Mota, double MotpDistance);

    private static readonly PublishedRow TudCampus = new(0.557659, 0.729730, 0.451253, 0.582173, 0.941441, 8, 1, 6, 1, 13, 150, 7, 7, 0.526462, 0.277201);
    private static readonly PublishedRow TudStadtmitte = new(0.644619, 0.819760, 0.531142, 0.608997, 0.939920, 10, 5, 4, 1, 45, 452, 7, 6, 0.564014, 0.345904);
    private static readonly PublishedRow Overall = new(0.624296, 0.799176, 0.512211, 0.602640, 0.940268, 18, 6, 10, 2, 58, 602, 14, 13, 0.555116, 0.330177);

    /// <summary>The table prints six decimals; anything within half a unit of the last one agrees.</summary>
    private const double SixDecimals = 5e-7;

    internal static MotSequenceResult EvaluateFixture(string sequence)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "motmetrics", sequence);
        return MotEvaluator.Evaluate(sequence,
            MotChallengeFile.Read(Path.Combine(dir, "gt.txt")),
            MotChallengeFile.Read(Path.Combine(dir, "test.txt")));
    }

    private static void AssertRow(PublishedRow expected, MotSequenceResult actual)
    {
        var c = actual.Clear;
        var id = actual.Identity;
        Assert.Equal(expected.GtTracks, c.GtTracks);
        Assert.Equal(expected.MostlyTracked, c.MostlyTracked);
        Assert.Equal(expected.PartiallyTracked, c.PartiallyTracked);
        Assert.Equal(expected.MostlyLost, c.MostlyLost);
        Assert.Equal(expected.FalsePositives, c.FalsePositives);
        Assert.Equal(expected.FalseNegatives, c.FalseNegatives);
        Assert.Equal(expected.IdSwitches, c.IdSwitches);
        Assert.Equal(expected.Fragmentations, c.Fragmentations);
        Assert.InRange(c.Mota, expected.Mota - SixDecimals, expected.Mota + SixDecimals);
        Assert.InRange(1 - c.Motp, expected.MotpDistance - SixDecimals, expected.MotpDistance + SixDecimals);
        Assert.InRange(c.Recall, expected.Recall - SixDecimals, expected.Recall + SixDecimals);
        Assert.InRange(c.Precision, expected.Precision - SixDecimals, expected.Precision + SixDecimals);
        Assert.InRange(id.Idf1, expected.Idf1 - SixDecimals, expected.Idf1 + SixDecimals);
        Assert.InRange(id.Idp, expected.Idp - SixDecimals, expected.Idp + SixDecimals);
        Assert.InRange(id.Idr, expected.Idr - SixDecimals, expected.Idr + SixDecimals);
    }

    [Fact]
    public void Tud_campus_matches_py_motmetrics_clear_and_identity()
    {
        var result = EvaluateFixture("TUD-Campus");
        Assert.Equal(MotRules.Mot15, result.Rules);
        AssertRow(TudCampus, result);
    }

    [Fact]
    public void Tud_stadtmitte_matches_py_motmetrics_clear_and_identity()
    {
        var result = EvaluateFixture("TUD-Stadtmitte");
        Assert.Equal(MotRules.Mot15, result.Rules);
        AssertRow(TudStadtmitte, result);
    }

    [Fact]
    public void Both_sequences_combined_match_py_motmetrics_overall_row()
    {
        var overall = MotEvaluator.Combine([EvaluateFixture("TUD-Campus"), EvaluateFixture("TUD-Stadtmitte")]);
        AssertRow(Overall, overall);
    }

    /// <summary>
    /// The official MOTChallenge MATLAB devkit's documented demo output (antonmil/motchallenge-devkit,
    /// motchallenge-unified/readme.md, demo_evalMOT15), in percent with one decimal. Its MOTP is the mean IoU,
    /// which checks our MOTP convention directly. The readme does not ship the result files; every column
    /// equals py-motmetrics' table for the fixtures, which identifies them as the same tracker output.
    /// </summary>
    [Theory]
    [InlineData("TUD-Campus", 55.8, 73.0, 45.1, 58.2, 94.1, 8, 1, 6, 1, 13, 150, 7, 7, 52.6, 72.3)]
    [InlineData("TUD-Stadtmitte", 64.5, 82.0, 53.1, 60.9, 94.0, 10, 5, 4, 1, 45, 452, 7, 6, 56.4, 65.4)]
    public void Tud_sequences_match_the_motchallenge_devkit_demo_output(
        string sequence, double idf1, double idp, double idr, double recall, double precision,
        int gtTracks, int mt, int pt, int ml, long fp, long fn, long idsw, long frag, double mota, double motp)
    {
        var r = EvaluateFixture(sequence);
        const double oneDecimal = 0.05;
        void Percent(double expected, double fraction) => Assert.InRange(100 * fraction, expected - oneDecimal, expected + oneDecimal);
        Percent(idf1, r.Identity.Idf1);
        Percent(idp, r.Identity.Idp);
        Percent(idr, r.Identity.Idr);
        Percent(recall, r.Clear.Recall);
        Percent(precision, r.Clear.Precision);
        Assert.Equal((gtTracks, mt, pt, ml), (r.Clear.GtTracks, r.Clear.MostlyTracked, r.Clear.PartiallyTracked, r.Clear.MostlyLost));
        Assert.Equal((fp, fn, idsw, frag), (r.Clear.FalsePositives, r.Clear.FalseNegatives, r.Clear.IdSwitches, r.Clear.Fragmentations));
        Percent(mota, r.Clear.Mota);
        Percent(motp, r.Clear.Motp);
    }

    /// <summary>
    /// py-motmetrics motmetrics/tests/test_evaluation.py asserts these HOTA values with pytest.approx
    /// (relative 1e-6); its test_trackeval_parity.py holds them equal to TrackEval's within 1e-6.
    /// </summary>
    [Fact]
    public void Hota_matches_py_motmetrics_for_tud_campus_and_overall()
    {
        var campus = EvaluateFixture("TUD-Campus");
        AssertRelative(0.3913974378451139, campus.Hota.Hota);
        AssertRelative(0.418047030142763, campus.Hota.DetA);
        AssertRelative(0.36912068120832836, campus.Hota.AssA);

        var overall = MotEvaluator.Combine([campus, EvaluateFixture("TUD-Stadtmitte")]);
        AssertRelative(0.3999570912884786, overall.Hota.Hota);
        AssertRelative(0.3976832912424188, overall.Hota.DetA);
        AssertRelative(0.4124495298453543, overall.Hota.AssA);
    }

    /// <summary>
    /// TrackEval's own output for these files as quoted in EvalDeT's tests/integration/test_integration_mot.py
    /// ("orig_hota_results"); the only published LocA. The quotes are TrackEval's printed percentages
    /// (three decimals) rounded again to four decimals as fractions (DetA 41.805% became 0.4181), so agreement
    /// is to 1e-4, not half a unit of the fourth decimal. The quoted TUD-Stadtmitte AssA (0.4085) is left out:
    /// we get 0.40884, and the combined AssA above, which weights TUD-Stadtmitte's per-alpha AssA by its
    /// matches, agrees with py-motmetrics' TrackEval-checked value to 1e-6, so the quote looks stale.
    /// </summary>
    [Theory]
    [InlineData("TUD-Campus", 0.3914, 0.4181, 0.3691, 0.7701)]
    [InlineData("TUD-Stadtmitte", 0.3979, 0.3923, null, 0.7375)]
    public void Hota_matches_trackeval_to_four_decimals(string sequence, double hota, double detA, double? assA, double locA)
    {
        var h = EvaluateFixture(sequence).Hota;
        const double fourDecimals = 1e-4;
        Assert.InRange(h.Hota, hota - fourDecimals, hota + fourDecimals);
        Assert.InRange(h.DetA, detA - fourDecimals, detA + fourDecimals);
        if (assA is { } expectedAssA) Assert.InRange(h.AssA, expectedAssA - fourDecimals, expectedAssA + fourDecimals);
        Assert.InRange(h.LocA, locA - fourDecimals, locA + fourDecimals);
    }

    private static void AssertRelative(double expected, double actual)
    {
        double tolerance = 1e-6 * Math.Abs(expected);
        Assert.InRange(actual, expected - tolerance, expected + tolerance);
    }
}
