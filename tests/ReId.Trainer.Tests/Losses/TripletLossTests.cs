using ReIdTrainer.Losses;
using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Losses;

public sealed class TripletLossTests
{
    private const double Tolerance = 1e-5;

    private static TripletBatchStats Run(TripletLossOptions options, float[] embedding, long[] identity)
    {
        using var scope = NewDisposeScope();
        using var result = new TripletLoss(options).Compute(tensor(embedding).unsqueeze(1), tensor(identity));
        Assert.Equal(result.Stats.Loss, result.Loss.item<float>(), Tolerance);
        return result.Stats;
    }

    [Fact]
    public void Batch_hard_with_hard_margin_matches_hand_computed_loss_and_stats()
    {
        var stats = Run(new TripletLossOptions { Margin = TripletMargin.Hard(0.3f) }, TripletBatch.Embedding, TripletBatch.Identity);

        // d(a,p) - d(a,n) + 0.3 = 0.8, 0.8, 2.8, 3.3, 0.8, -2.2, -3.7: the last two anchors are satisfied.
        Assert.Equal(8.5 / 7, stats.Loss, Tolerance);
        Assert.Equal(7, stats.Triplets);
        Assert.Equal(5.0 / 7, stats.ActiveFraction, Tolerance);
        Assert.Equal(18.0 / 7, stats.MeanPositiveDistance, Tolerance);
        Assert.Equal(17.5 / 7, stats.MeanNegativeDistance, Tolerance);
    }

    [Fact]
    public void Soft_margin_is_the_mean_softplus_of_positive_minus_negative_distance()
    {
        var stats = Run(new TripletLossOptions { Margin = TripletMargin.Soft }, TripletBatch.Embedding, TripletBatch.Identity);

        double expected = TripletBatch.PositiveDistance.Zip(TripletBatch.NegativeDistance, (p, n) => Math.Log(1 + Math.Exp(p - n))).Average();
        Assert.Equal(1.2352494, expected, 1e-6); // softplus of 0.5, 0.5, 2.5, 3, 0.5, -2.5, -4, averaged
        Assert.Equal(expected, stats.Loss, Tolerance);
        Assert.Equal(5.0 / 7, stats.ActiveFraction, Tolerance);
    }

    [Fact]
    public void Batch_all_averages_the_hinge_over_triplets_still_violating_the_margin()
    {
        // Embeddings 0, 1, 4, 6 with identities 0, 0, 1, 1 and margin 2.5: the 8 triplets give
        // d(a,p) - d(a,n) + 2.5 = -0.5, -2.5 (anchor 0), 0.5, -1.5 (anchor 1), 0.5, 1.5 (anchor 2), -1.5, -0.5 (anchor 3).
        var stats = Run(new TripletLossOptions { Mining = TripletMining.BatchAll, Margin = TripletMargin.Hard(2.5f) },
            new float[] { 0, 1, 4, 6 }, new long[] { 0, 0, 1, 1 });

        Assert.Equal(2.5 / 3, stats.Loss, Tolerance);
        Assert.Equal(8, stats.Triplets);
        Assert.Equal(3.0 / 8, stats.ActiveFraction, Tolerance);
        Assert.Equal(1.5, stats.MeanPositiveDistance, Tolerance);
        Assert.Equal(4.5, stats.MeanNegativeDistance, Tolerance);
    }

    [Fact]
    public void Batch_all_loss_is_zero_when_every_triplet_is_satisfied()
    {
        var stats = Run(new TripletLossOptions { Mining = TripletMining.BatchAll, Margin = TripletMargin.Hard(0.5f) },
            new float[] { 0, 1, 4, 6 }, new long[] { 0, 0, 1, 1 });
        Assert.Equal(0, stats.Loss);
        Assert.Equal(0, stats.ActiveFraction);
    }

    [Fact]
    public void Semi_hard_with_hard_margin_matches_hand_computed_loss()
    {
        // Triplets of TripletMinerTests' semi-hard case: d(a,p) = 5 throughout, d(a,n) = 6, 3, 4, 7.
        var stats = Run(new TripletLossOptions { Mining = TripletMining.SemiHard, Margin = TripletMargin.Hard(0.3f) },
            new float[] { 0, 5, 2, 7, 6 }, new long[] { 0, 0, 1, 1, 2 });

        Assert.Equal((0 + 2.3 + 1.3 + 0) / 4, stats.Loss, Tolerance);
        Assert.Equal(4, stats.Triplets);
        Assert.Equal(0.5, stats.ActiveFraction, Tolerance);
        Assert.Equal(5, stats.MeanPositiveDistance, Tolerance);
        Assert.Equal(5, stats.MeanNegativeDistance, Tolerance);
    }

    [Fact]
    public void Batch_hard_gradient_pulls_positives_together()
    {
        // e = 0, 2, 1 with identities 0, 0, 1: d(0,1) = 2, d(0,2) = d(1,2) = 1.
        // Anchor 0: positive 1, negative 2, hinge d(0,1) - d(0,2) + 0.3 = 1.3.
        // Anchor 1: positive 0, negative 2, hinge d(1,0) - d(1,2) + 0.3 = 1.3. Anchor 2 has no positive.
        // With d(0,1) = e1 - e0, d(0,2) = e2 - e0, d(1,2) = e1 - e2, the hinges differentiate to
        //   anchor 0: (0, +1, -1), anchor 1: (-1, 0, +1); their mean is (-0.5, +0.5, 0):
        // a descent step moves e0 and e1 towards each other and leaves e2, pushed both ways, alone.
        using var scope = NewDisposeScope();
        var e = tensor(new float[] { 0, 2, 1 }).unsqueeze(1).requires_grad_();
        using var result = new TripletLoss(new TripletLossOptions()).Compute(e, tensor(new long[] { 0, 0, 1 }));
        result.Loss.backward();
        var grad = e.grad!.squeeze(1).data<float>().ToArray();

        Assert.Equal(1.3, result.Stats.Loss, Tolerance);
        Assert.Equal(-0.5, grad[0], Tolerance);
        Assert.Equal(0.5, grad[1], Tolerance);
        Assert.Equal(0.0, grad[2], Tolerance);
    }

    [Fact]
    public void Margin_must_be_finite_and_not_negative()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TripletMargin.Hard(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => TripletMargin.Hard(float.NaN));
        Assert.Equal(0.3f, new TripletLossOptions().Margin.Value);
        Assert.Equal(TripletMining.BatchHard, new TripletLossOptions().Mining);
    }
}
