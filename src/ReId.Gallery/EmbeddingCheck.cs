using System.Numerics.Tensors;

namespace ReId.Gallery;

/// <summary>
/// The same refusal from every gallery for vectors that cannot be compared by cosine, so a caller's
/// bug shows up identically whichever store is configured.
/// </summary>
internal static class EmbeddingCheck
{
    /// <returns>The vector's L2 norm, finite and positive.</returns>
    public static float Norm(float[]? vector, int dimension, string what, string store)
    {
        ArgumentNullException.ThrowIfNull(vector, what);
        if (dimension == 0)
            throw new InvalidOperationException($"{store}: call EnsureReadyAsync before using the gallery");
        if (vector.Length != dimension)
            throw new ArgumentException($"{what} has {vector.Length} values but {store} holds {dimension}-d vectors", what);
        float norm = TensorPrimitives.Norm(vector);
        if (!(norm > 0) || float.IsInfinity(norm))
            throw new ArgumentException($"{what} has no direction (zero, NaN or infinite values)", what);
        return norm;
    }
}
