using ReIdTrainer.Evaluation;

namespace ReId.Trainer.Tests.Evaluation;

public sealed class RankingMetricsTests
{
    // Gallery shared by the hand-computed cases below.
    private static readonly RankingLabel[] Gallery =
    [
        new("A", 1),                  // g0: same person and camera as query A: excluded for it
        new("A", 2),                  // g1
        new("B", 2),                  // g2
        new("0000", 3),               // g3: distractor, a negative for everyone
        new("-1", 2, IsJunk: true),   // g4: junk, removed for everyone
        new("C", 2),                  // g5
        new("A", 3),                  // g6
    ];

    private static readonly RankingLabel[] Queries = [new("A", 1), new("B", 1), new("C", 2)];

    private static readonly float[] Distances =
    [
        // g0    g1    g2    g3    g4    g5    g6
        0.10f, 0.40f, 0.50f, 0.30f, 0.20f, 0.70f, 0.60f, // A/c1
        0.09f, 0.30f, 0.10f, 0.08f, 0.05f, 0.60f, 0.70f, // B/c1
        0.50f, 0.40f, 0.30f, 0.20f, 0.10f, 0.05f, 0.60f, // C/c2
    ];

    [Fact]
    public void Hand_computed_cmc_and_map_follow_the_market1501_protocol()
    {
        // Query A (c1): sorted g0 g4 g3 g1 g2 g6 g5; g0 (A, c1) excluded, g4 junk removed, so the
        //   list is g3(-) g1(+) g2(-) g6(+) g5(-): first match at rank 2, AP = (1/2 + 2/4) / 2 = 0.5.
        // Query B (c1): sorted g4 g3 g0 g2 g1 g5 g6; junk removed: g3(-) g0(-) g2(+) ...:
        //   first match at rank 3, AP = 1/3. g0 is another person's same-camera image, so it stays.
        // Query C (c2): its only gallery image g5 is from camera 2 too: no valid match, skipped.
        // CMC over the 2 valid queries: rank 1 = 0, rank 2 = 1/2, rank >= 3 = 1; mAP = (1/2 + 1/3) / 2 = 5/12.
        var r = RankingMetrics.Compute(Distances, Queries, Gallery);

        Assert.Equal(2, r.ValidQueries);
        Assert.Equal(1, r.SkippedQueries);
        Assert.Equal(0.0, r.Rank(1), 12);
        Assert.Equal(0.5, r.Rank(2), 12);
        Assert.Equal(1.0, r.Rank(3), 12);
        Assert.Equal(1.0, r.Rank(5), 12);
        Assert.Equal(1.0, r.Rank(10), 12);
        Assert.Equal(5.0 / 12, r.MeanAveragePrecision, 12);
    }

    [Fact]
    public void Single_query_with_matches_split_by_negatives()
    {
        // Gallery order by distance: X(-) A(+) Y(-) Z(-) A(+) A(+), all cross-camera.
        // Precision at the hits: 1/2, 2/5, 3/6; AP = (0.5 + 0.4 + 0.5) / 3 = 1.4/3.
        RankingLabel[] gallery = [new("X", 2), new("A", 2), new("Y", 2), new("Z", 3), new("A", 3), new("A", 4)];
        float[] d = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f];

        var r = RankingMetrics.Compute(d, [new("A", 1)], gallery, maxRank: 5);

        Assert.Equal(1, r.ValidQueries);
        Assert.Equal([0.0, 1.0, 1.0, 1.0, 1.0], r.Cmc);
        Assert.Equal(1.4 / 3, r.MeanAveragePrecision, 12);
    }

    [Fact]
    public void Junk_and_same_camera_images_do_not_push_the_match_down()
    {
        // Both nearer images are removed, so the match is first: a protocol that kept either would say rank 2 or 3.
        RankingLabel[] gallery = [new("-1", 2, IsJunk: true), new("A", 1), new("A", 2), new("0000", 2)];
        float[] d = [0.1f, 0.2f, 0.3f, 0.4f];

        var r = RankingMetrics.Compute(d, [new("A", 1)], gallery);

        Assert.Equal(1.0, r.Rank(1));
        Assert.Equal(1.0, r.MeanAveragePrecision);
    }

    [Fact]
    public void Ties_resolve_by_gallery_order()
    {
        // Equal distances: the negative comes first in the gallery, so it ranks first; AP = 1/2.
        RankingLabel[] gallery = [new("B", 2), new("A", 2)];

        var r = RankingMetrics.Compute([0.5f, 0.5f], [new("A", 1)], gallery);

        Assert.Equal(0.0, r.Rank(1));
        Assert.Equal(0.5, r.MeanAveragePrecision);
    }

    [Fact]
    public void No_valid_query_gives_zeros_and_counts_the_skips()
    {
        var r = RankingMetrics.Compute([0.1f, 0.2f], [new("A", 1), new("-1", 1, IsJunk: true)], [new("A", 1)]);

        Assert.Equal(0, r.ValidQueries);
        Assert.Equal(2, r.SkippedQueries);
        Assert.Equal(0.0, r.MeanAveragePrecision);
    }

    [Fact]
    public void Matrix_of_the_wrong_size_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => RankingMetrics.Compute(new float[5], Queries, Gallery));
    }
}
