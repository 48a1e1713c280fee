namespace ReId.Core.Evaluation;

/// <summary>
/// A sequence ready for scoring: ignored ground truth and distractor-matched predictions are gone, ids are
/// contiguous, IoU is computed. All metric families read this and nothing else.
/// </summary>
/// <param name="GtTrackCount">Ground-truth identities left after filtering.</param>
/// <param name="PredTrackCount">Predicted identities left after distractor removal.</param>
/// <param name="GtRowsIgnored">Ground-truth rows dropped (flag 0, or not pedestrian under MOT16/17/20 rules).</param>
/// <param name="PredRowsRemoved">Predictions removed because they matched a distractor.</param>
public sealed record PreparedSequence(
    string Name,
    MotRules Rules,
    IReadOnlyList<EvaluationFrame> Frames,
    int GtTrackCount,
    int PredTrackCount,
    int GtRowsIgnored,
    int PredRowsRemoved)
{
    public long GtDetections => Frames.Sum(f => (long)f.Gt.Length);
    public long PredDetections => Frames.Sum(f => (long)f.Pred.Length);
}
