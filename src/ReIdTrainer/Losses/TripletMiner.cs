using TorchSharp;
using static TorchSharp.torch;

namespace ReIdTrainer.Losses;

/// <summary>
/// Chooses triplets from a batch's distance matrix. Mining only picks indices, without gradient;
/// the loss then reads the chosen distances from the matrix that carries the gradient.
/// </summary>
public static class TripletMiner
{
    /// <param name="distances">[N, N] pairwise distances of the batch.</param>
    /// <param name="labels">[N] identity labels (any integer type).</param>
    public static MinedTriplets Mine(Tensor distances, Tensor labels, TripletMining mining)
    {
        if (labels.dim() != 1 || distances.dim() != 2 || distances.shape[0] != labels.shape[0] || distances.shape[1] != labels.shape[0])
            throw new ArgumentException($"mining needs [N, N] distances and [N] labels, got [{string.Join(", ", distances.shape)}] and [{string.Join(", ", labels.shape)}]");

        long n = labels.shape[0];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var d = distances.detach();
        var sameIdentity = labels.unsqueeze(1).eq(labels.unsqueeze(0));
        var positive = sameIdentity.logical_and(eye(n, dtype: ScalarType.Bool, device: labels.device).logical_not());
        var negative = sameIdentity.logical_not();

        var mined = mining switch
        {
            TripletMining.BatchHard => BatchHard(d, positive, negative),
            TripletMining.BatchAll => BatchAll(positive, negative),
            TripletMining.SemiHard => SemiHard(d, positive, negative),
            _ => throw new ArgumentOutOfRangeException(nameof(mining), mining, "unknown triplet mining"),
        };
        if (mined.Count == 0)
            throw new ArgumentException($"the batch of {n} images has no triplet: it needs at least two images of one identity and one image of another (sample batches with the PK sampler)");
        mined.Anchor.MoveToOuterDisposeScope();
        mined.Positive.MoveToOuterDisposeScope();
        mined.Negative.MoveToOuterDisposeScope();
        return mined;
    }

    private static MinedTriplets BatchHard(Tensor d, Tensor positive, Tensor negative)
    {
        // An anchor without a positive or without a negative in the batch forms no triplet.
        var anchors = positive.any(1).logical_and(negative.any(1)).nonzero().squeeze(1);
        var hardestPositive = d.masked_fill(positive.logical_not(), double.NegativeInfinity).argmax(1);
        var hardestNegative = d.masked_fill(negative.logical_not(), double.PositiveInfinity).argmin(1);
        return new MinedTriplets(anchors, hardestPositive.index_select(0, anchors), hardestNegative.index_select(0, anchors));
    }

    private static MinedTriplets BatchAll(Tensor positive, Tensor negative)
    {
        var valid = positive.unsqueeze(2).logical_and(negative.unsqueeze(1)); // [a, p, n]
        var apn = valid.nonzero();
        return new MinedTriplets(apn.select(1, 0), apn.select(1, 1), apn.select(1, 2));
    }

    private static MinedTriplets SemiHard(Tensor d, Tensor positive, Tensor negative)
    {
        var pairs = positive.logical_and(negative.any(1, keepdim: true)).nonzero();
        var anchor = pairs.select(1, 0);
        var positiveIndex = pairs.select(1, 1);
        var anchorPositive = PairValues(d, anchor, positiveIndex).unsqueeze(1); // [T, 1]
        var anchorRows = d.index_select(0, anchor);                    // [T, N]
        var negativeRows = negative.index_select(0, anchor);           // [T, N]

        var farther = negativeRows.logical_and(anchorRows.gt(anchorPositive));
        var nearestFarther = anchorRows.masked_fill(farther.logical_not(), double.PositiveInfinity).argmin(1);
        var farthest = anchorRows.masked_fill(negativeRows.logical_not(), double.NegativeInfinity).argmax(1);
        var negativeIndex = where(farther.any(1), nearestFarther, farthest);
        return new MinedTriplets(anchor, positiveIndex, negativeIndex);
    }

    /// <summary>matrix[rows[t], columns[t]] for every t, keeping the gradient of matrix.</summary>
    internal static Tensor PairValues(Tensor matrix, Tensor rows, Tensor columns) =>
        matrix.flatten().index_select(0, rows * matrix.shape[1] + columns);
}
