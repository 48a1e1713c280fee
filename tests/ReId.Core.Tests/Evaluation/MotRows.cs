using ReId.Core.Evaluation;

namespace ReId.Core.Tests.Evaluation;

/// <summary>Builds small ground-truth and prediction files by hand for the hand-computed cases.</summary>
internal static class MotRows
{
    private static int _line;

    /// <summary>A 10x10 box at (x, y) unless a size is given.</summary>
    public static MotRow Box(int frame, int id, double x, double y = 0, double w = 10, double h = 10, double conf = 1, double? cls = null, double? visibility = null) =>
        new(frame, id, x, y, w, h, conf, cls, visibility, ++_line);

    public static MotSequenceResult Evaluate(IReadOnlyList<MotRow> gt, IReadOnlyList<MotRow> pred, MotRules rules = MotRules.Mot15) =>
        MotEvaluator.Evaluate("hand", gt, pred, rules);
}
