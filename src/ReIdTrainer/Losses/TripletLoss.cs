using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ReIdTrainer.Losses;

/// <summary>Metric-learning loss over a batch: same identity closer than different identity.</summary>
public sealed class TripletLoss(TripletLossOptions options)
{
    public TripletLossOptions Options { get; } = options;

    /// <param name="embeddings">[N, D] embeddings of the batch.</param>
    /// <param name="labels">[N] identity labels.</param>
    public TripletLossResult Compute(Tensor embeddings, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var distances = PairwiseDistance.Compute(embeddings, embeddings, Options.Metric);
        using var triplets = TripletMiner.Mine(distances, labels, Options.Mining);
        var anchorPositive = TripletMiner.PairValues(distances, triplets.Anchor, triplets.Positive);
        var anchorNegative = TripletMiner.PairValues(distances, triplets.Anchor, triplets.Negative);

        var violation = anchorPositive - anchorNegative + (Options.Margin.Value ?? 0f);
        var perTriplet = Options.Margin.IsSoft ? F.softplus(anchorPositive - anchorNegative) : F.relu(violation);

        Tensor loss;
        if (Options.Mining == TripletMining.BatchAll && !Options.Margin.IsSoft)
        {
            // Most of all possible triplets are satisfied soon; averaging over them all would shrink
            // the gradient as training goes on, so average over the ones still violating the margin.
            var active = perTriplet.gt(0).sum().clamp_min(1);
            loss = perTriplet.sum() / active;
        }
        else
        {
            loss = perTriplet.mean();
        }

        var stats = new TripletBatchStats(
            loss.detach().ToDouble(),
            triplets.Count,
            violation.detach().gt(0).to_type(ScalarType.Float32).mean().ToDouble(),
            anchorPositive.detach().mean().ToDouble(),
            anchorNegative.detach().mean().ToDouble());
        return new TripletLossResult(loss.MoveToOuterDisposeScope(), stats);
    }
}
