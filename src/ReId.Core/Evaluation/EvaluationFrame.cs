namespace ReId.Core.Evaluation;

/// <summary>
/// One frame after preprocessing: contiguous ground-truth and prediction track indices (0..n-1 over the
/// sequence) and their IoU matrix, ground truth major (<c>Iou[g * Pred.Length + p]</c>).
/// </summary>
public sealed record EvaluationFrame(int Frame, int[] Gt, int[] Pred, double[] Iou)
{
    public double IouAt(int gtRow, int predColumn) => Iou[gtRow * Pred.Length + predColumn];
}
