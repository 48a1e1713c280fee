namespace ReId.Core.Evaluation;

/// <summary>
/// Computes <see cref="ClearMotMetrics"/> for one sequence, step for step as TrackEval's <c>CLEAR.eval_sequence</c>.
/// </summary>
public static class ClearMot
{
    /// <summary>
    /// Per-frame score that makes continuing last frame's correspondence outweigh any IoU gain, so the
    /// Hungarian keeps existing tracks first (as CLEAR MOT requires) and maximises IoU second.
    /// </summary>
    private const double ContinuationBonus = 1000;

    private const double MostlyTrackedAbove = 0.8;
    private const double MostlyLostBelow = 0.2;

    public static ClearMotMetrics Evaluate(PreparedSequence sequence)
    {
        int gtTracks = sequence.GtTrackCount;
        var gtFrames = new int[gtTracks];
        var gtMatchedFrames = new int[gtTracks];
        var gtTrackedSegments = new int[gtTracks];
        // The id switch test looks at the last prediction ever matched to this ground truth; the matching
        // preference only at the previous frame's.
        var lastMatchedPred = new int[gtTracks];
        var previousFramePred = new int[gtTracks];
        Array.Fill(lastMatchedPred, -1);
        Array.Fill(previousFramePred, -1);

        long tp = 0, fn = 0, fp = 0, idsw = 0;
        double iouSum = 0;

        foreach (var frame in sequence.Frames)
        {
            int nGt = frame.Gt.Length, nPred = frame.Pred.Length;
            // Frames without ground truth or without predictions leave the previous-frame correspondences
            // untouched in the reference, so a gap of such frames does not count as a fragmentation.
            if (nGt == 0) { fp += nPred; continue; }
            if (nPred == 0)
            {
                fn += nGt;
                foreach (int g in frame.Gt) gtFrames[g]++;
                continue;
            }

            var score = new double[nGt, nPred];
            for (int r = 0; r < nGt; r++)
                for (int c = 0; c < nPred; c++)
                {
                    double iou = frame.IouAt(r, c);
                    score[r, c] = iou < Tolerance.MatchIou - Tolerance.NumpyEps
                        ? 0
                        : (previousFramePred[frame.Gt[r]] == frame.Pred[c] ? ContinuationBonus : 0) + iou;
                }
            var assigned = Hungarian.Maximize(score);

            foreach (int g in frame.Gt) gtFrames[g]++;
            var matchedThisFrame = new List<(int Gt, int Pred)>();
            for (int r = 0; r < nGt; r++)
            {
                int c = assigned[r];
                if (c < 0 || !(score[r, c] > Tolerance.NumpyEps)) continue;
                int g = frame.Gt[r], p = frame.Pred[c];
                if (lastMatchedPred[g] >= 0 && lastMatchedPred[g] != p) idsw++;
                gtMatchedFrames[g]++;
                iouSum += frame.IouAt(r, c);
                matchedThisFrame.Add((g, p));
            }

            var wasTracked = previousFramePred.Select(p => p >= 0).ToArray();
            Array.Fill(previousFramePred, -1);
            foreach (var (g, p) in matchedThisFrame)
            {
                lastMatchedPred[g] = p;
                previousFramePred[g] = p;
                if (!wasTracked[g]) gtTrackedSegments[g]++;
            }

            tp += matchedThisFrame.Count;
            fn += nGt - matchedThisFrame.Count;
            fp += nPred - matchedThisFrame.Count;
        }

        int mt = 0, pt = 0;
        long frag = 0;
        for (int g = 0; g < gtTracks; g++)
        {
            if (gtTrackedSegments[g] > 0) frag += gtTrackedSegments[g] - 1;
            if (gtFrames[g] == 0) continue;
            double ratio = (double)gtMatchedFrames[g] / gtFrames[g];
            if (ratio > MostlyTrackedAbove) mt++;
            else if (ratio >= MostlyLostBelow) pt++;
        }
        return new ClearMotMetrics(tp, fn, fp, idsw, mt, pt, gtTracks - mt - pt, frag, iouSum);
    }
}
