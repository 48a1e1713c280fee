using System.Numerics.Tensors;

namespace ReIdTrainer.Evaluation;

/// <summary>
/// Euclidean distances between embeddings, the metric torchreid ranks with. The worker's vectors
/// are L2-normalised, so the order is the same as by cosine similarity, and re-ranking gets the
/// distance its reference implementation expects (it squares it).
/// </summary>
public static class EmbeddingDistances
{
    /// <returns>Row-major [rows.Count * columns.Count].</returns>
    public static float[] Euclidean(IReadOnlyList<float[]> rows, IReadOnlyList<float[]> columns)
    {
        var d = new float[rows.Count * columns.Count];
        Parallel.For(0, rows.Count, r =>
        {
            for (int c = 0; c < columns.Count; c++)
                d[r * columns.Count + c] = TensorPrimitives.Distance(rows[r], columns[c]);
        });
        return d;
    }
}
