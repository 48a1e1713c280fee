using static TorchSharp.torch;

namespace ReIdTrainer.Losses;

/// <summary>Batch indices of the chosen triplets: element t of each tensor is one triplet (int64, [T]).</summary>
public sealed record MinedTriplets(Tensor Anchor, Tensor Positive, Tensor Negative) : IDisposable
{
    public long Count => Anchor.shape[0];

    public void Dispose()
    {
        Anchor.Dispose();
        Positive.Dispose();
        Negative.Dispose();
    }
}
