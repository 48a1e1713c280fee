namespace ReId.Core.Evaluation;

/// <summary>
/// Scores tracker output against ground truth: CLEAR MOT, identity (IDF1) and HOTA, with MOTChallenge
/// matching rules (IoU &gt;= 0.5; see <see cref="MotPreprocessor"/> for what is ignored). Reproduces TrackEval,
/// and so the py-motmetrics values it agrees with; see the reference tests for the published numbers checked.
/// </summary>
public static class MotEvaluator
{
    public const string OverallName = "OVERALL";

    /// <param name="rules">Null to detect from the ground truth (<see cref="MotRulesDetection.Detect"/>).</param>
    /// <param name="groundTruthSource">Where the ground truth came from (a path), for error messages.</param>
    public static MotSequenceResult Evaluate(string name, IReadOnlyList<MotRow> groundTruth, IReadOnlyList<MotRow> predictions, MotRules? rules = null, string? groundTruthSource = null) =>
        Evaluate(MotPreprocessor.Prepare(name, groundTruth, predictions, rules ?? MotRulesDetection.Detect(groundTruth, name), groundTruthSource));

    public static MotSequenceResult Evaluate(PreparedSequence sequence) => new(
        sequence.Name,
        sequence.Rules,
        sequence.GtRowsIgnored,
        sequence.PredRowsRemoved,
        ClearMot.Evaluate(sequence),
        IdentityMatching.Evaluate(sequence),
        Hota.Evaluate(sequence));

    /// <summary>Combines sequences the way TrackEval's COMBINED_SEQ row and py-motmetrics' OVERALL row do.</summary>
    public static MotSequenceResult Combine(IReadOnlyList<MotSequenceResult> sequences)
    {
        var rules = sequences.Select(s => s.Rules).Distinct().ToList();
        return new MotSequenceResult(
            OverallName,
            rules.Count == 1 ? rules[0] : null,
            sequences.Sum(s => s.GtRowsIgnored),
            sequences.Sum(s => s.PredRowsRemoved),
            ClearMotMetrics.Combine(sequences.Select(s => s.Clear)),
            IdentityMetrics.Combine(sequences.Select(s => s.Identity)),
            HotaMetrics.Combine(sequences.Select(s => s.Hota)));
    }
}
