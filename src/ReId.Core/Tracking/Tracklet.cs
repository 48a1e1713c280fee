using System.Numerics.Tensors;

namespace ReId.Core.Tracking;

/// <summary>
/// The appearance of one track: a quality-weighted sum of its crops' embeddings. The mean,
/// L2-normalised, is what the track is identified by; averaging over crops suppresses the pose,
/// occlusion and blur of any single one.
/// </summary>
public sealed class Tracklet
{
    private float[]? _sum;
    private float _weight;

    public int Count { get; private set; }

    public void Add(ReadOnlySpan<float> embedding, float quality)
    {
        if (quality <= 0) return;
        _sum ??= new float[embedding.Length];
        if (embedding.Length != _sum.Length)
            throw new ArgumentException($"embedding has {embedding.Length} dims, tracklet holds {_sum.Length}");
        TensorPrimitives.MultiplyAdd(embedding, quality, _sum, _sum);
        _weight += quality;
        Count++;
    }

    /// <summary>The L2-normalised weighted mean, or null before the first embedding.</summary>
    public float[]? Mean()
    {
        if (_sum is null) return null;
        var mean = (float[])_sum.Clone();
        float norm = TensorPrimitives.Norm(mean);
        if (norm > 1e-12f) TensorPrimitives.Divide(mean, norm, mean);
        return mean;
    }
}
