using static TorchSharp.torch;

namespace ReIdTrainer.Losses;

/// <summary>The differentiable batch loss (a scalar) and its statistics.</summary>
public sealed record TripletLossResult(Tensor Loss, TripletBatchStats Stats) : IDisposable
{
    public void Dispose() => Loss.Dispose();
}
