using TorchSharp;
using static TorchSharp.torch;

namespace ReIdTrainer.Losses;

/// <summary>Distances between every row of one embedding matrix and every row of another.</summary>
public static class PairwiseDistance
{
    /// <summary>
    /// Keeps sqrt away from 0, whose derivative is infinite: the zero distance of an embedding to
    /// itself would otherwise turn the whole gradient into NaN.
    /// </summary>
    private const double SqrtFloor = 1e-12;

    private const double NormFloor = 1e-12;

    /// <param name="x">[N, D] embeddings.</param>
    /// <param name="y">[M, D] embeddings.</param>
    /// <returns>[N, M] distances; entry (i, j) compares row i of x with row j of y.</returns>
    public static Tensor Compute(Tensor x, Tensor y, DistanceMetric metric)
    {
        if (x.dim() != 2 || y.dim() != 2 || x.shape[1] != y.shape[1])
            throw new ArgumentException($"pairwise distance needs [N, D] and [M, D] embeddings, got [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}]");

        using var scope = NewDisposeScope();
        Tensor result = metric switch
        {
            DistanceMetric.Euclidean => SquaredEuclidean(x, y).clamp_min(SqrtFloor).sqrt(),
            DistanceMetric.SquaredEuclidean => SquaredEuclidean(x, y),
            DistanceMetric.Cosine => 1 - Normalise(x).mm(Normalise(y).t()),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown distance metric"),
        };
        return result.MoveToOuterDisposeScope();
    }

    // |x|^2 + |y|^2 - 2 x.y is one matrix product instead of an [N, M, D] difference tensor; rounding
    // can push it a little below zero for near-identical rows, hence the clamp.
    private static Tensor SquaredEuclidean(Tensor x, Tensor y)
    {
        var xx = x.pow(2).sum(1, keepdim: true);
        var yy = y.pow(2).sum(1, keepdim: true).t();
        return (xx + yy - 2 * x.mm(y.t())).clamp_min(0);
    }

    private static Tensor Normalise(Tensor x) => x / x.norm(1, keepdim: true).clamp_min(NormFloor);
}
