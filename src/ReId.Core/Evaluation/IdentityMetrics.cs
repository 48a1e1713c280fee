namespace ReId.Core.Evaluation;

/// <summary>
/// Identity metrics (Ristani et al. 2016): each ground-truth trajectory is paired with at most one predicted
/// trajectory for the whole sequence, maximising the frames where the pair overlaps (IoU &gt;= 0.5).
/// Counts add up across sequences.
/// </summary>
/// <param name="IdTruePositives">Detections on which the globally paired trajectories agree.</param>
/// <param name="IdFalseNegatives">Ground-truth detections not covered by their paired prediction.</param>
/// <param name="IdFalsePositives">Predicted detections not covering their paired ground truth.</param>
public sealed record IdentityMetrics(long IdTruePositives, long IdFalseNegatives, long IdFalsePositives)
{
    public double Idf1 => IdTruePositives / Math.Max(1.0, IdTruePositives + 0.5 * IdFalsePositives + 0.5 * IdFalseNegatives);
    public double Idp => IdTruePositives / Math.Max(1.0, IdTruePositives + IdFalsePositives);
    public double Idr => IdTruePositives / Math.Max(1.0, IdTruePositives + IdFalseNegatives);

    public static IdentityMetrics Combine(IEnumerable<IdentityMetrics> parts)
    {
        var all = parts.ToList();
        return new IdentityMetrics(all.Sum(p => p.IdTruePositives), all.Sum(p => p.IdFalseNegatives), all.Sum(p => p.IdFalsePositives));
    }
}
