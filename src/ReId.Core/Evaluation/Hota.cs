namespace ReId.Core.Evaluation;

/// <summary>
/// Computes <see cref="HotaMetrics"/> for one sequence as TrackEval's <c>HOTA.eval_sequence</c>: a first pass
/// builds a soft global alignment score between every ground-truth and predicted id; a second pass matches
/// each frame by Hungarian on alignment x IoU (one matching for all alphas), then counts TP/FN/FP and the
/// per-pair match counts at every alpha. Pair tables are sparse (keyed by pair) because crowded sequences
/// have thousands of ids on each side but few pairs that ever overlap.
/// </summary>
public static class Hota
{
    public static HotaMetrics Evaluate(PreparedSequence sequence)
    {
        var alphas = HotaMetrics.Alphas;
        int nAlpha = alphas.Count, nPred = sequence.PredTrackCount;
        var tp = new long[nAlpha];
        var fn = new long[nAlpha];
        var fp = new long[nAlpha];
        var locSum = new double[nAlpha];

        var gtCount = new double[sequence.GtTrackCount];
        var predCount = new double[nPred];
        var potential = new Dictionary<long, double>();
        foreach (var frame in sequence.Frames)
        {
            int rows = frame.Gt.Length, cols = frame.Pred.Length;
            var rowSum = new double[rows];
            var colSum = new double[cols];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    rowSum[r] += frame.IouAt(r, c);
                    colSum[c] += frame.IouAt(r, c);
                }
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    double sim = frame.IouAt(r, c);
                    double denominator = colSum[c] + rowSum[r] - sim;
                    if (sim != 0 && denominator > Tolerance.NumpyEps)
                    {
                        long key = Pair(frame.Gt[r], frame.Pred[c], nPred);
                        potential[key] = potential.GetValueOrDefault(key) + sim / denominator;
                    }
                }
            foreach (int g in frame.Gt) gtCount[g]++;
            foreach (int p in frame.Pred) predCount[p]++;
        }

        // Jaccard of the two trajectories' soft overlap: how much of their combined life they spend together.
        double Alignment(int g, int p)
        {
            double pm = potential.GetValueOrDefault(Pair(g, p, nPred));
            return pm / (gtCount[g] + predCount[p] - pm);
        }

        var matches = new Dictionary<long, int[]>();
        foreach (var frame in sequence.Frames)
        {
            int rows = frame.Gt.Length, cols = frame.Pred.Length;
            if (rows == 0 || cols == 0)
            {
                for (int a = 0; a < nAlpha; a++) { fp[a] += cols; fn[a] += rows; }
                continue;
            }
            var score = new double[rows, cols];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    double sim = frame.IouAt(r, c);
                    score[r, c] = sim == 0 ? 0 : Alignment(frame.Gt[r], frame.Pred[c]) * sim;
                }
            var assigned = Hungarian.Maximize(score);

            var matchedPerAlpha = new int[nAlpha];
            for (int r = 0; r < rows; r++)
            {
                int c = assigned[r];
                if (c < 0) continue;
                double sim = frame.IouAt(r, c);
                int[]? pairCounts = null;
                for (int a = 0; a < nAlpha; a++)
                {
                    if (sim < alphas[a] - Tolerance.NumpyEps) continue;
                    matchedPerAlpha[a]++;
                    locSum[a] += sim;
                    if (pairCounts is null)
                    {
                        long key = Pair(frame.Gt[r], frame.Pred[c], nPred);
                        if (!matches.TryGetValue(key, out pairCounts)) matches[key] = pairCounts = new int[nAlpha];
                    }
                    pairCounts[a]++;
                }
            }
            for (int a = 0; a < nAlpha; a++)
            {
                tp[a] += matchedPerAlpha[a];
                fn[a] += rows - matchedPerAlpha[a];
                fp[a] += cols - matchedPerAlpha[a];
            }
        }

        var assA = new double[nAlpha];
        var assRe = new double[nAlpha];
        var assPr = new double[nAlpha];
        foreach (var (key, counts) in matches)
        {
            int g = (int)(key / nPred), p = (int)(key % nPred);
            for (int a = 0; a < nAlpha; a++)
            {
                double m = counts[a];
                if (m == 0) continue;
                assA[a] += m * m / Math.Max(1.0, gtCount[g] + predCount[p] - m);
                assRe[a] += m * m / Math.Max(1.0, gtCount[g]);
                assPr[a] += m * m / Math.Max(1.0, predCount[p]);
            }
        }
        var locA = new double[nAlpha];
        for (int a = 0; a < nAlpha; a++)
        {
            double denominator = Math.Max(1.0, tp[a]);
            assA[a] /= denominator;
            assRe[a] /= denominator;
            assPr[a] /= denominator;
            locA[a] = Math.Max(1e-10, locSum[a]) / Math.Max(1e-10, tp[a]);
        }
        return new HotaMetrics(tp, fn, fp, assA, assRe, assPr, locA);
    }

    private static long Pair(int gt, int pred, int predCount) => (long)gt * predCount + pred;
}
