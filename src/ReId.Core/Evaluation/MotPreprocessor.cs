namespace ReId.Core.Evaluation;

/// <summary>
/// Turns raw ground-truth and prediction rows into a <see cref="PreparedSequence"/> following TrackEval's
/// MotChallenge2DBox <c>get_preprocessed_seq_data</c>:
/// <list type="number">
/// <item>per frame, predictions are matched (Hungarian, IoU &gt;= 0.5) against all ground-truth rows of that
/// frame, whatever their class or flag, and those matched to a distractor class are removed (MOT16/17/20
/// rules only);</item>
/// <item>ground-truth rows with flag 0 are dropped, and under MOT16/17/20 rules so is every class but
/// pedestrian (1);</item>
/// <item>ids are relabelled 0..n-1 in order of first appearance.</item>
/// </list>
/// Prediction confidence, class and visibility columns are not used, as in the reference.
/// </summary>
public static class MotPreprocessor
{
    private const int PedestrianClass = 1;

    /// <param name="groundTruthSource">Where the ground truth came from (a path), for error messages.</param>
    public static PreparedSequence Prepare(string name, IReadOnlyList<MotRow> groundTruth, IReadOnlyList<MotRow> predictions, MotRules rules, string? groundTruthSource = null)
    {
        if (rules != MotRules.Mot15)
        {
            var bad = groundTruth.FirstOrDefault(r => r.Class is not { } c || c != Math.Floor(c) || c < 1 || c > MotRulesDetection.MaxClassId);
            if (bad is not null)
                throw new FormatException(
                    $"{groundTruthSource ?? name}:{bad.Line}: class '{bad.Class?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"}' " +
                    $"is not a MOT16/17/20 class id 1..{MotRulesDetection.MaxClassId}; evaluate with MOT15 rules or fix the file");
        }

        var distractors = rules.DistractorClasses();
        var gtByFrame = groundTruth.GroupBy(r => r.Frame).ToDictionary(g => g.Key, g => g.ToArray());
        var predByFrame = predictions.GroupBy(r => r.Frame).ToDictionary(g => g.Key, g => g.ToArray());
        var frameNumbers = gtByFrame.Keys.Union(predByFrame.Keys).Order().ToArray();

        var gtIndex = new Dictionary<int, int>();
        var predIndex = new Dictionary<int, int>();
        var frames = new List<EvaluationFrame>(frameNumbers.Length);
        int gtIgnored = 0, predRemoved = 0;

        foreach (int frame in frameNumbers)
        {
            var gt = gtByFrame.GetValueOrDefault(frame, []);
            var pred = predByFrame.GetValueOrDefault(frame, []);

            var iou = new double[gt.Length, pred.Length];
            for (int g = 0; g < gt.Length; g++)
                for (int p = 0; p < pred.Length; p++)
                    iou[g, p] = BoxIou.Of(gt[g], pred[p]);

            var removePred = new bool[pred.Length];
            if (distractors.Count > 0 && gt.Length > 0 && pred.Length > 0)
            {
                var score = new double[gt.Length, pred.Length];
                for (int g = 0; g < gt.Length; g++)
                    for (int p = 0; p < pred.Length; p++)
                        score[g, p] = iou[g, p] < Tolerance.MatchIou - Tolerance.NumpyEps ? 0 : iou[g, p];
                var assigned = Hungarian.Maximize(score);
                for (int g = 0; g < gt.Length; g++)
                {
                    int p = assigned[g];
                    if (p >= 0 && score[g, p] > Tolerance.NumpyEps && distractors.Contains((int)gt[g].Class!.Value))
                        removePred[p] = true;
                }
            }

            var keptGt = new List<int>(gt.Length);
            for (int g = 0; g < gt.Length; g++)
            {
                // The reference casts the flag to int, so a fractional flag below 1 also means "ignore".
                bool keep = Math.Truncate(gt[g].Conf) != 0 && (rules == MotRules.Mot15 || (int)gt[g].Class!.Value == PedestrianClass);
                if (keep) keptGt.Add(g);
                else gtIgnored++;
            }
            var keptPred = new List<int>(pred.Length);
            for (int p = 0; p < pred.Length; p++)
            {
                if (removePred[p]) predRemoved++;
                else keptPred.Add(p);
            }

            var frameIou = new double[keptGt.Count * keptPred.Count];
            for (int g = 0; g < keptGt.Count; g++)
                for (int p = 0; p < keptPred.Count; p++)
                    frameIou[g * keptPred.Count + p] = iou[keptGt[g], keptPred[p]];

            frames.Add(new EvaluationFrame(
                frame,
                keptGt.Select(g => IndexOf(gtIndex, gt[g].Id)).ToArray(),
                keptPred.Select(p => IndexOf(predIndex, pred[p].Id)).ToArray(),
                frameIou));
        }
        return new PreparedSequence(name, rules, frames, gtIndex.Count, predIndex.Count, gtIgnored, predRemoved);
    }

    private static int IndexOf(Dictionary<int, int> map, int id)
    {
        if (!map.TryGetValue(id, out int index))
        {
            index = map.Count;
            map[id] = index;
        }
        return index;
    }
}
