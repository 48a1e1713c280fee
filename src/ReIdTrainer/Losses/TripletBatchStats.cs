namespace ReIdTrainer.Losses;

/// <summary>
/// What one batch's triplet loss says about training progress, copied off the tensors so it can be
/// logged after they are disposed.
/// </summary>
/// <param name="Loss">The batch loss.</param>
/// <param name="Triplets">How many triplets the loss was taken over.</param>
/// <param name="ActiveFraction">
/// Share of triplets still violating the margin, d(a,p) - d(a,n) + margin > 0 (margin 0 for the
/// soft margin, whose loss is never exactly zero). Falling towards 0 means the mining finds
/// little left to learn.
/// </param>
/// <param name="MeanPositiveDistance">Mean d(a,p) over the triplets.</param>
/// <param name="MeanNegativeDistance">Mean d(a,n) over the triplets.</param>
public sealed record TripletBatchStats(
    double Loss,
    long Triplets,
    double ActiveFraction,
    double MeanPositiveDistance,
    double MeanNegativeDistance);
