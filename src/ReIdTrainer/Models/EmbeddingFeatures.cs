using static TorchSharp.torch;

namespace ReIdTrainer.Models;

/// <summary>
/// The two views of one batch the BNNeck design trains on: <see cref="Feature"/> (before the BNNeck,
/// where the triplet loss works) and <see cref="BnFeature"/> (after it, for the identity classifier
/// and, L2-normalised, for inference). Both are [N,D]; the caller owns and disposes them.
/// </summary>
public sealed record EmbeddingFeatures(Tensor Feature, Tensor BnFeature) : IDisposable
{
    public void Dispose()
    {
        Feature.Dispose();
        BnFeature.Dispose();
    }
}
