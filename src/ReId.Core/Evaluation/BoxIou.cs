namespace ReId.Core.Evaluation;

/// <summary>
/// IoU of two top-left/size boxes in double precision, computed the way TrackEval does (corners first, areas
/// from corners, degenerate boxes give 0) so that matches at exactly IoU 0.5 fall the same way.
/// </summary>
public static class BoxIou
{
    public static double Of(MotRow a, MotRow b) => Of(a.X, a.Y, a.Width, a.Height, b.X, b.Y, b.Width, b.Height);

    public static double Of(double ax, double ay, double aw, double ah, double bx, double by, double bw, double bh)
    {
        double ax1 = ax + aw, ay1 = ay + ah, bx1 = bx + bw, by1 = by + bh;
        double intersection = Math.Max(Math.Min(ax1, bx1) - Math.Max(ax, bx), 0) * Math.Max(Math.Min(ay1, by1) - Math.Max(ay, by), 0);
        double areaA = (ax1 - ax) * (ay1 - ay);
        double areaB = (bx1 - bx) * (by1 - by);
        double union = areaA + areaB - intersection;
        if (areaA <= Tolerance.NumpyEps || areaB <= Tolerance.NumpyEps || union <= Tolerance.NumpyEps) return 0;
        return intersection / union;
    }
}
