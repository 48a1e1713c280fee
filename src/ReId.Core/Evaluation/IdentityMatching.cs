namespace ReId.Core.Evaluation;

/// <summary>
/// Computes <see cref="IdentityMetrics"/> for one sequence as TrackEval's <c>Identity.eval_sequence</c>.
/// TrackEval solves an assignment over a (G+T)x(G+T) matrix with dummy rows for "unpaired"; because every
/// pair's overlap count is non-negative, the same optimum is a maximum-overlap matching of ground-truth to
/// predicted ids, where pairing with zero overlap is the same as staying unpaired. IDTP is that optimum. The
/// matching is solved per connected component of the overlap graph, which gives the same optimum and keeps
/// crowded sequences (thousands of ids) fast.
/// </summary>
public static class IdentityMatching
{
    public static IdentityMetrics Evaluate(PreparedSequence sequence)
    {
        int nGt = sequence.GtTrackCount, nPred = sequence.PredTrackCount;
        long gtDetections = sequence.GtDetections, predDetections = sequence.PredDetections;

        var overlap = new Dictionary<(int Gt, int Pred), int>();
        foreach (var frame in sequence.Frames)
            for (int r = 0; r < frame.Gt.Length; r++)
                for (int c = 0; c < frame.Pred.Length; c++)
                    // No epsilon here, unlike CLEAR: the reference compares with >= 0.5 exactly.
                    if (frame.IouAt(r, c) >= Tolerance.MatchIou)
                    {
                        var key = (frame.Gt[r], frame.Pred[c]);
                        overlap[key] = overlap.GetValueOrDefault(key) + 1;
                    }

        // Nodes 0..nGt-1 are ground-truth ids, nGt.. are predicted ids.
        var parent = Enumerable.Range(0, nGt + nPred).ToArray();
        int Find(int x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        foreach (var (g, p) in overlap.Keys) parent[Find(g)] = Find(nGt + p);

        long idtp = 0;
        foreach (var component in overlap.GroupBy(e => Find(e.Key.Gt)))
        {
            var gts = component.Select(e => e.Key.Gt).Distinct().ToArray();
            var preds = component.Select(e => e.Key.Pred).Distinct().ToArray();
            var gtRow = gts.Select((g, i) => (g, i)).ToDictionary(x => x.g, x => x.i);
            var predCol = preds.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
            var matrix = new double[gts.Length, preds.Length];
            foreach (var e in component) matrix[gtRow[e.Key.Gt], predCol[e.Key.Pred]] = e.Value;
            var assigned = Hungarian.Maximize(matrix);
            for (int r = 0; r < gts.Length; r++)
                if (assigned[r] >= 0) idtp += (long)matrix[r, assigned[r]];
        }
        return new IdentityMetrics(idtp, gtDetections - idtp, predDetections - idtp);
    }
}
