using ReIdTrainer.Losses;
using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Losses;

public sealed class PairwiseDistanceTests
{
    private static float[,] Distances(float[,] x, float[,] y, DistanceMetric metric)
    {
        using var scope = NewDisposeScope();
        var d = PairwiseDistance.Compute(tensor(x), tensor(y), metric);
        var flat = d.data<float>().ToArray();
        var result = new float[d.shape[0], d.shape[1]];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    private static void AssertClose(float[,] expected, float[,] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= tolerance, $"({i},{j}): expected {expected[i, j]}, got {actual[i, j]}");
    }

    // (0,0), (3,4) against (0,0), (3,4), (1,0): a 3-4-5 triangle and two unit steps.
    private static readonly float[,] X = { { 0, 0 }, { 3, 4 } };
    private static readonly float[,] Y = { { 0, 0 }, { 3, 4 }, { 1, 0 } };

    [Fact]
    public void Euclidean_distances_match_hand_computed_values()
    {
        // sqrt((3-1)^2 + 4^2) = sqrt(20); self-distances are floored at 1e-6, not 0, to keep sqrt differentiable.
        AssertClose(new float[,] { { 0, 5, 1 }, { 5, 0, (float)Math.Sqrt(20) } }, Distances(X, Y, DistanceMetric.Euclidean), 2e-6);
    }

    [Fact]
    public void Squared_euclidean_distances_match_hand_computed_values()
    {
        AssertClose(new float[,] { { 0, 25, 1 }, { 25, 0, 20 } }, Distances(X, Y, DistanceMetric.SquaredEuclidean));
    }

    [Fact]
    public void Cosine_distance_is_one_minus_cosine_and_ignores_length()
    {
        // (1,0) vs (1,1): cos 45 deg; vs (-3,0): opposite; (0,2) vs (-3,0): orthogonal.
        float c45 = 1 - (float)Math.Sqrt(0.5);
        AssertClose(new float[,] { { c45, 2 }, { c45, 1 } },
            Distances(new float[,] { { 1, 0 }, { 0, 2 } }, new float[,] { { 1, 1 }, { -3, 0 } }, DistanceMetric.Cosine));
    }

    [Fact]
    public void Mismatched_embedding_sizes_are_rejected()
    {
        using var x = zeros(2, 3);
        using var y = zeros(2, 4);
        var ex = Assert.Throws<ArgumentException>(() => PairwiseDistance.Compute(x, y, DistanceMetric.Euclidean));
        Assert.Contains("[2, 3] and [2, 4]", ex.Message);
    }

    [Fact]
    public void Euclidean_gradient_is_finite_despite_zero_self_distances()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[,] { { 1, 2 }, { 1, 2 }, { 0, 1 } }).requires_grad_();
        PairwiseDistance.Compute(x, x, DistanceMetric.Euclidean).sum().backward();
        Assert.True(x.grad!.isfinite().all().item<bool>());
    }
}
