using ReIdTrainer.Evaluation;

namespace ReId.Trainer.Tests.Evaluation;

public sealed class KReciprocalReRankingTests
{
    private static float[][] Random(int count, int dim, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
    }

    private static float[] ReRank(float[][] q, float[][] g, int k1 = 20, int k2 = 6) =>
        KReciprocalReRanking.Apply(EmbeddingDistances.Euclidean(q, g), EmbeddingDistances.Euclidean(q, q),
            EmbeddingDistances.Euclidean(g, g), q.Length, g.Length, k1, k2);

    [Fact]
    public void Returns_a_query_by_gallery_matrix_of_distances_in_0_1()
    {
        // k1 = 20 exceeds the 12 images here: neighbour lists are truncated as numpy slicing does.
        var d = ReRank(Random(4, 8, 1), Random(8, 8, 2));

        Assert.Equal(4 * 8, d.Length);
        // Jaccard distance and the row-normalised squared distance both lie in [0, 1], and so does their mix.
        Assert.All(d, x => Assert.InRange(x, 0f, 1f));
    }

    [Fact]
    public void Reordering_the_gallery_reorders_the_columns_and_nothing_else()
    {
        var q = Random(5, 6, 3);
        var g = Random(15, 6, 4);
        int[] perm = Enumerable.Range(0, g.Length).Reverse().ToArray();
        var permuted = perm.Select(i => g[i]).ToArray();

        var d = ReRank(q, g, k1: 5, k2: 3);
        var dp = ReRank(q, permuted, k1: 5, k2: 3);

        for (int i = 0; i < q.Length; i++)
            for (int j = 0; j < g.Length; j++)
                Assert.Equal(d[i * g.Length + perm[j]], dp[i * g.Length + j], 5);
    }

    [Fact]
    public void A_gallery_copy_of_the_query_stays_nearest()
    {
        var q = Random(3, 6, 5);
        var g = Random(10, 6, 6).Append(q[1]).ToArray();

        var d = ReRank(q, g);

        var row = d.AsSpan(1 * g.Length, g.Length).ToArray();
        Assert.Equal(g.Length - 1, Array.IndexOf(row, row.Min()));
    }

    [Fact]
    public void K_reciprocal_neighbours_move_a_non_reciprocal_hard_negative_behind_the_true_matches()
    {
        // Query q at the origin. N (another person) is nearest to q but sits next to its own tight
        // cluster B1..B3, so q is not among N's k-nearest. A1, A2 (q's identity) are a bit farther
        // but have q among their nearest. With k1 = 2, k2 = 1:
        //   R(q) = {q, A1} (N is not reciprocal), R(N) = {N}, so N shares nothing with q: Jaccard 1,
        //   and the final distance is 0.7 * 1 + 0.3 * |qN|² / max_k |qk|² = 0.7 + 0.3 * 1 / 1.6² = 0.8171875.
        //   A1 and A2 share A1 with q's encoding: Jaccard 0.5192 and 0.7624, final 0.7 * J + 0.3 * |qA|² / 2.56 = 0.5052 and 0.7036.
        float[][] query = [[0f, 0f]];
        float[][] gallery = [[1f, 0f], [1.5f, 0.1f], [1.5f, -0.1f], [1.6f, 0f], [-1.1f, 0f], [-1.2f, 0.1f]];
        RankingLabel[] gl = [new("N", 2), new("B", 2), new("B", 3), new("B", 4), new("A", 2), new("A", 3)];
        RankingLabel[] ql = [new("A", 1)];

        var before = RankingMetrics.Compute(EmbeddingDistances.Euclidean(query, gallery), ql, gl);
        var after = ReRank(query, gallery, k1: 2, k2: 1);
        var reRanked = RankingMetrics.Compute(after, ql, gl);

        // Before: N, A1, A2: rank-1 0, AP (1/2 + 2/3) / 2.
        Assert.Equal(0.0, before.Rank(1));
        Assert.Equal((0.5 + 2.0 / 3) / 2, before.MeanAveragePrecision, 9);
        Assert.Equal(0.8171875f, after[0], 5);
        Assert.Equal(0.5052f, after[4], 3);
        Assert.Equal(0.7036f, after[5], 3);
        Assert.Equal(1.0, reRanked.Rank(1));
        Assert.Equal(1.0, reRanked.MeanAveragePrecision);
    }

    [Theory]
    [InlineData(3, 2, new[] { 0.00468f, 0.42679f, 0.93635f, 0.18284f, 1.00000f, 0.66856f, 0.30152f, 0.85000f, 0.73775f, 0.00203f, 0.94365f, 0.17090f, 0.64124f, 1.00000f })]
    [InlineData(4, 3, new[] { 0.13425f, 0.17637f, 0.93635f, 0.09743f, 1.00000f, 0.63572f, 0.01872f, 0.82805f, 0.75913f, 0.00203f, 0.94365f, 0.02473f, 0.47628f, 1.00000f })]
    public void Matches_a_transcription_of_the_reference_python(int k1, int k2, float[] expected)
    {
        // Expected values come from a line-by-line pure-Python transcription of the authors'
        // re_ranking() (numpy replaced by lists, argsort by a stable sort) run on these points;
        // small k1/k2 so that the expansion step and local query expansion both change the result.
        float[][] q = [[0f, 0f], [2f, 1f]];
        float[][] g = [[0.3f, 0.1f], [1f, 0f], [1.9f, 1.2f], [-0.4f, 0.5f], [2.5f, 0.4f], [0.9f, 1f], [-0.2f, -0.6f]];

        var d = ReRank(q, g, k1, k2);

        Assert.Equal(expected.Length, d.Length);
        for (int i = 0; i < d.Length; i++)
            Assert.True(Math.Abs(expected[i] - d[i]) < 2e-5, $"[{i}] expected {expected[i]}, got {d[i]}");
    }
}
