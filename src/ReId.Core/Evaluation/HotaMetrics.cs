namespace ReId.Core.Evaluation;

/// <summary>
/// HOTA (Luiten et al., IJCV 2021) as TrackEval computes it: detection, association and localisation accuracy
/// at each localisation threshold alpha = 0.05, 0.10, ..., 0.95, and their means over alpha (the headline
/// numbers). Per-alpha counts and association scores are kept so sequences combine exactly as TrackEval's
/// <c>combine_sequences</c> does (counts summed, association and localisation weighted by TP).
/// </summary>
public sealed record HotaMetrics(
    long[] TruePositivesByAlpha,
    long[] FalseNegativesByAlpha,
    long[] FalsePositivesByAlpha,
    double[] AssAByAlpha,
    double[] AssReByAlpha,
    double[] AssPrByAlpha,
    double[] LocAByAlpha)
{
    /// <summary>The 19 thresholds, computed as numpy's <c>arange(0.05, 0.99, 0.05)</c> (start + i * step).</summary>
    public static IReadOnlyList<double> Alphas { get; } = Enumerable.Range(0, 19).Select(i => 0.05 + i * 0.05).ToArray();

    public double[] DetAByAlpha => Per(a => TruePositivesByAlpha[a] / Math.Max(1.0, TruePositivesByAlpha[a] + FalseNegativesByAlpha[a] + FalsePositivesByAlpha[a]));
    public double[] DetReByAlpha => Per(a => TruePositivesByAlpha[a] / Math.Max(1.0, TruePositivesByAlpha[a] + FalseNegativesByAlpha[a]));
    public double[] DetPrByAlpha => Per(a => TruePositivesByAlpha[a] / Math.Max(1.0, TruePositivesByAlpha[a] + FalsePositivesByAlpha[a]));

    public double[] HotaByAlpha
    {
        get
        {
            var detA = DetAByAlpha;
            return Per(a => Math.Sqrt(detA[a] * AssAByAlpha[a]));
        }
    }

    /// <summary>Mean over alpha of sqrt(DetA * AssA), not sqrt of the means.</summary>
    public double Hota => HotaByAlpha.Average();
    public double DetA => DetAByAlpha.Average();
    public double AssA => AssAByAlpha.Average();
    public double DetRe => DetReByAlpha.Average();
    public double DetPr => DetPrByAlpha.Average();
    public double AssRe => AssReByAlpha.Average();
    public double AssPr => AssPrByAlpha.Average();
    public double LocA => LocAByAlpha.Average();

    private static double[] Per(Func<int, double> f) => Enumerable.Range(0, Alphas.Count).Select(f).ToArray();

    public static HotaMetrics Combine(IEnumerable<HotaMetrics> parts)
    {
        var all = parts.ToList();
        int n = Alphas.Count;
        var tp = new long[n]; var fn = new long[n]; var fp = new long[n];
        var assA = new double[n]; var assRe = new double[n]; var assPr = new double[n]; var locA = new double[n];
        for (int a = 0; a < n; a++)
        {
            tp[a] = all.Sum(p => p.TruePositivesByAlpha[a]);
            fn[a] = all.Sum(p => p.FalseNegativesByAlpha[a]);
            fp[a] = all.Sum(p => p.FalsePositivesByAlpha[a]);
            assA[a] = all.Sum(p => p.AssAByAlpha[a] * p.TruePositivesByAlpha[a]) / Math.Max(1.0, tp[a]);
            assRe[a] = all.Sum(p => p.AssReByAlpha[a] * p.TruePositivesByAlpha[a]) / Math.Max(1.0, tp[a]);
            assPr[a] = all.Sum(p => p.AssPrByAlpha[a] * p.TruePositivesByAlpha[a]) / Math.Max(1.0, tp[a]);
            locA[a] = Math.Max(1e-10, all.Sum(p => p.LocAByAlpha[a] * p.TruePositivesByAlpha[a])) / Math.Max(1e-10, tp[a]);
        }
        return new HotaMetrics(tp, fn, fp, assA, assRe, assPr, locA);
    }
}
