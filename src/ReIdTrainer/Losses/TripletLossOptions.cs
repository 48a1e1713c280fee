namespace ReIdTrainer.Losses;

/// <summary>
/// Defaults follow the usual re-ID recipe (batch-hard, Euclidean, hard margin 0.3 on L2-normalised
/// or BN-neck features).
/// </summary>
public sealed record TripletLossOptions
{
    public TripletMining Mining { get; init; } = TripletMining.BatchHard;
    public TripletMargin Margin { get; init; } = TripletMargin.Hard(0.3f);
    public DistanceMetric Metric { get; init; } = DistanceMetric.Euclidean;
}
