namespace ReIdTrainer.Evaluation;

/// <summary>What the protocol needs to know about one query or gallery image.</summary>
/// <param name="PersonId">Identity name; distractors share one name that no query has.</param>
/// <param name="CameraId">Camera the image came from.</param>
/// <param name="IsJunk">Market-1501 person -1: never a match, never a negative.</param>
public readonly record struct RankingLabel(string PersonId, int CameraId, bool IsJunk = false);

/// <summary>CMC and mAP over the queries that have at least one valid match.</summary>
/// <param name="Cmc">Cmc[k-1] is the fraction of valid queries with a correct match in the top k.</param>
/// <param name="ValidQueries">Queries that counted.</param>
/// <param name="SkippedQueries">Queries with no valid match left after the exclusions (or junk queries).</param>
public sealed record RankingResult(double[] Cmc, double MeanAveragePrecision, int ValidQueries, int SkippedQueries)
{
    public double Rank(int k) => Cmc[k - 1];
}

/// <summary>
/// The Market-1501 evaluation protocol as in the dataset's MATLAB code and torchreid's
/// <c>eval_market1501</c>: per query, gallery images of the same identity seen by the same camera
/// are removed (finding yourself in the same camera is trivial), junk gallery images are removed,
/// distractors stay as negatives. AP is the mean of the precision at each correct match.
/// </summary>
public static class RankingMetrics
{
    /// <param name="distances">Query x gallery distances, row-major [query.Count * gallery.Count]; smaller is closer.</param>
    public static RankingResult Compute(ReadOnlySpan<float> distances, IReadOnlyList<RankingLabel> query,
        IReadOnlyList<RankingLabel> gallery, int maxRank = 10)
    {
        int nq = query.Count, ng = gallery.Count;
        if (distances.Length != nq * ng)
            throw new ArgumentException($"distance matrix has {distances.Length} entries, expected {nq} x {ng}", nameof(distances));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRank, 1);

        var cmc = new double[maxRank];
        double apSum = 0;
        int valid = 0, skipped = 0;
        var order = new int[ng];
        var row = new float[ng];
        for (int q = 0; q < nq; q++)
        {
            var ql = query[q];
            if (ql.IsJunk) { skipped++; continue; }
            distances.Slice(q * ng, ng).CopyTo(row);
            for (int g = 0; g < ng; g++) order[g] = g;
            // Stable on ties (by gallery index) so results do not depend on the sort implementation.
            Array.Sort(order, (a, b) => row[a] != row[b] ? row[a].CompareTo(row[b]) : a.CompareTo(b));

            int rank = 0, hits = 0, firstHit = -1;
            double precisionSum = 0;
            foreach (int g in order)
            {
                var gl = gallery[g];
                if (gl.IsJunk) continue;
                bool samePerson = gl.PersonId == ql.PersonId;
                if (samePerson && gl.CameraId == ql.CameraId) continue;
                rank++;
                if (!samePerson) continue;
                hits++;
                if (firstHit < 0) firstHit = rank;
                precisionSum += (double)hits / rank;
            }
            if (hits == 0) { skipped++; continue; }
            valid++;
            apSum += precisionSum / hits;
            for (int k = firstHit; k <= maxRank; k++) cmc[k - 1]++;
        }

        if (valid > 0)
            for (int k = 0; k < maxRank; k++) cmc[k] /= valid;
        return new RankingResult(cmc, valid > 0 ? apSum / valid : 0, valid, skipped);
    }
}
