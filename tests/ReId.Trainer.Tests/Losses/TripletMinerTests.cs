using ReIdTrainer.Losses;
using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Losses;

public sealed class TripletMinerTests
{
    private static (long[] Anchor, long[] Positive, long[] Negative) Mine(float[] embedding, long[] identity, TripletMining mining)
    {
        using var scope = NewDisposeScope();
        var e = tensor(embedding).unsqueeze(1);
        var d = PairwiseDistance.Compute(e, e, DistanceMetric.Euclidean);
        using var t = TripletMiner.Mine(d, tensor(identity), mining);
        return (t.Anchor.data<long>().ToArray(), t.Positive.data<long>().ToArray(), t.Negative.data<long>().ToArray());
    }

    [Fact]
    public void Batch_hard_picks_the_farthest_positive_and_nearest_negative_of_every_anchor()
    {
        var (a, p, n) = Mine(TripletBatch.Embedding, TripletBatch.Identity, TripletMining.BatchHard);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6 }, a);
        Assert.Equal(TripletBatch.HardestPositive, p);
        Assert.Equal(TripletBatch.HardestNegative, n);
    }

    [Fact]
    public void Batch_hard_skips_an_anchor_without_positive()
    {
        // Identity 2 reduced to one image (index 5): it is only a negative for the others.
        var (a, p, n) = Mine(TripletBatch.Embedding[..6], TripletBatch.Identity[..6], TripletMining.BatchHard);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, a);
        Assert.Equal(TripletBatch.HardestPositive[..5], p);
        Assert.Equal(TripletBatch.HardestNegative[..5], n);
    }

    [Fact]
    public void Batch_all_lists_every_valid_triplet_once()
    {
        // Identities {0,1} and {2,3}: each of 4 anchors has 1 positive and 2 negatives.
        var (a, p, n) = Mine(new float[] { 0, 1, 4, 6 }, new long[] { 0, 0, 1, 1 }, TripletMining.BatchAll);
        var triplets = a.Select((_, t) => (a[t], p[t], n[t])).Order().ToArray();
        Assert.Equal(new (long, long, long)[]
        {
            (0, 1, 2), (0, 1, 3), (1, 0, 2), (1, 0, 3), (2, 3, 0), (2, 3, 1), (3, 2, 0), (3, 2, 1),
        }, triplets);
    }

    [Fact]
    public void Semi_hard_picks_the_nearest_farther_negative_or_else_the_farthest()
    {
        //   index     0  1  2  3  4
        //   embedding 0  5  2  7  6
        //   identity  0  0  1  1  2
        // (0,1) d=5: negatives 2 (2), 3 (7), 4 (6); farther than 5 are 3 and 4, nearest of them 4.
        // (1,0) d=5: negatives 2 (3), 3 (2), 4 (1); none farther, so the farthest, 2.
        // (2,3) d=5: negatives 0 (2), 1 (3), 4 (4); none farther, so 4.
        // (3,2) d=5: negatives 0 (7), 1 (2), 4 (1); only 0 is farther.
        // Index 4 has no positive and anchors nothing.
        var (a, p, n) = Mine(new float[] { 0, 5, 2, 7, 6 }, new long[] { 0, 0, 1, 1, 2 }, TripletMining.SemiHard);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, a);
        Assert.Equal(new long[] { 1, 0, 3, 2 }, p);
        Assert.Equal(new long[] { 4, 2, 4, 0 }, n);
    }

    [Theory]
    [InlineData(TripletMining.BatchHard)]
    [InlineData(TripletMining.BatchAll)]
    [InlineData(TripletMining.SemiHard)]
    public void A_batch_of_one_identity_has_no_triplet(TripletMining mining)
    {
        var ex = Assert.Throws<ArgumentException>(() => Mine(new float[] { 0, 1, 2 }, new long[] { 4, 4, 4 }, mining));
        Assert.Contains("batch of 3 images has no triplet", ex.Message);
    }

    [Fact]
    public void Labels_that_do_not_match_the_distance_matrix_are_rejected()
    {
        using var d = zeros(3, 3);
        using var labels = zeros(new long[] { 4 }, ScalarType.Int64);
        var ex = Assert.Throws<ArgumentException>(() => TripletMiner.Mine(d, labels, TripletMining.BatchHard));
        Assert.Contains("got [3, 3] and [4]", ex.Message);
    }
}
