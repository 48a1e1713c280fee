namespace ReId.Core.Evaluation;

/// <summary>
/// CLEAR MOT (Bernardin and Stiefelhagen 2008) with the MOTChallenge additions (MT/PT/ML, Frag), as TrackEval
/// reports them. Counts add up across sequences; ratios are recomputed from the sums.
/// </summary>
/// <param name="TruePositives">Matched ground-truth detections (IoU &gt;= 0.5).</param>
/// <param name="FalseNegatives">Unmatched ground-truth detections (misses).</param>
/// <param name="FalsePositives">Unmatched predictions.</param>
/// <param name="IdSwitches">Matches whose prediction id differs from the one last matched to the same ground-truth id.</param>
/// <param name="MostlyTracked">Ground-truth ids matched in more than 80% of their frames.</param>
/// <param name="PartiallyTracked">Ground-truth ids matched in 20% to 80% of their frames.</param>
/// <param name="MostlyLost">Ground-truth ids matched in less than 20% of their frames.</param>
/// <param name="Fragmentations">Times a ground-truth track resumes being tracked after an interruption.</param>
/// <param name="IouSum">Sum of IoU over matches (numerator of MOTP).</param>
public sealed record ClearMotMetrics(
    long TruePositives,
    long FalseNegatives,
    long FalsePositives,
    long IdSwitches,
    int MostlyTracked,
    int PartiallyTracked,
    int MostlyLost,
    long Fragmentations,
    double IouSum)
{
    public int GtTracks => MostlyTracked + PartiallyTracked + MostlyLost;
    public long GtDetections => TruePositives + FalseNegatives;

    /// <summary>1 - (FN + FP + IDSW) / ground-truth detections.</summary>
    public double Mota => (TruePositives - FalsePositives - IdSwitches) / Math.Max(1.0, TruePositives + FalseNegatives);

    /// <summary>
    /// Mean IoU of the matched pairs (TrackEval and the MOTChallenge site; higher is better).
    /// py-motmetrics reports the mean distance 1 - IoU instead, i.e. 1 - this value.
    /// </summary>
    public double Motp => IouSum / Math.Max(1.0, TruePositives);

    public double Moda => (TruePositives - FalsePositives) / Math.Max(1.0, TruePositives + FalseNegatives);
    public double Recall => TruePositives / Math.Max(1.0, TruePositives + FalseNegatives);
    public double Precision => TruePositives / Math.Max(1.0, TruePositives + FalsePositives);

    public static ClearMotMetrics Combine(IEnumerable<ClearMotMetrics> parts)
    {
        var all = parts.ToList();
        return new ClearMotMetrics(
            all.Sum(p => p.TruePositives), all.Sum(p => p.FalseNegatives), all.Sum(p => p.FalsePositives),
            all.Sum(p => p.IdSwitches), all.Sum(p => p.MostlyTracked), all.Sum(p => p.PartiallyTracked),
            all.Sum(p => p.MostlyLost), all.Sum(p => p.Fragmentations), all.Sum(p => p.IouSum));
    }
}
