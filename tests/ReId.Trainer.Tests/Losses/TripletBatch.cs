using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Losses;

/// <summary>
/// One-dimensional embeddings, so every distance is |e_i - e_j| and can be checked by eye.
///   index      0  1  2  3    4  5   6
///   embedding  0  1  3  2.5  6  10  11.5
///   identity   0  0  0  1    1  2   2
/// Batch-hard, Euclidean, worked by hand:
///   anchor  hardest positive (d)  hardest negative (d)
///   0       2 (3)                 3 (2.5)
///   1       2 (2)                 3 (1.5)
///   2       0 (3)                 3 (0.5)
///   3       4 (3.5)               2 (0.5)
///   4       3 (3.5)               2 (3)
///   5       6 (1.5)               4 (4)
///   6       5 (1.5)               4 (5.5)
/// </summary>
internal static class TripletBatch
{
    public static readonly float[] Embedding = { 0, 1, 3, 2.5f, 6, 10, 11.5f };
    public static readonly long[] Identity = { 0, 0, 0, 1, 1, 2, 2 };

    public static readonly long[] HardestPositive = { 2, 2, 0, 4, 3, 6, 5 };
    public static readonly long[] HardestNegative = { 3, 3, 3, 2, 2, 4, 4 };
    public static readonly double[] PositiveDistance = { 3, 2, 3, 3.5, 3.5, 1.5, 1.5 };
    public static readonly double[] NegativeDistance = { 2.5, 1.5, 0.5, 0.5, 3, 4, 5.5 };

    public static Tensor Embeddings() => tensor(Embedding).unsqueeze(1);
    public static Tensor Labels() => tensor(Identity);
}
