namespace ReId.Core.Geometry;

/// <summary>Greedy non-maximum suppression, the standard post-processing of every detector here.</summary>
public static class NonMaxSuppression
{
    /// <summary>
    /// Keeps the highest-scoring detection of every group whose boxes overlap by more than
    /// <paramref name="iouThreshold"/>. The result is ordered by descending score.
    /// </summary>
    public static List<Detection> Apply(IReadOnlyList<Detection> detections, float iouThreshold)
    {
        var order = Enumerable.Range(0, detections.Count)
            .OrderByDescending(i => detections[i].Score)
            .ToArray();
        var suppressed = new bool[detections.Count];
        var kept = new List<Detection>();
        for (int a = 0; a < order.Length; a++)
        {
            int i = order[a];
            if (suppressed[i]) continue;
            kept.Add(detections[i]);
            for (int b = a + 1; b < order.Length; b++)
            {
                int j = order[b];
                if (!suppressed[j] && detections[i].Box.IoU(detections[j].Box) > iouThreshold)
                    suppressed[j] = true;
            }
        }
        return kept;
    }
}
