using ReIdTrainer.Losses;
using static TorchSharp.torch;

namespace ReId.Trainer.Tests.Losses;

public sealed class IdentityLossTests
{
    // Row 0: logits 0, 0, 0 (probabilities 1/3 each), true class 0.
    // Row 1: logits 0, ln 2, 0 (probabilities 1/4, 1/2, 1/4), true class 1.
    private static readonly float[,] Logits = { { 0, 0, 0 }, { 0, (float)Math.Log(2), 0 } };
    private static readonly long[] Labels = { 0, 1 };

    private static double Loss(double smoothing)
    {
        using var scope = NewDisposeScope();
        return new IdentityLoss(smoothing).Compute(tensor(Logits), tensor(Labels)).item<float>();
    }

    [Fact]
    public void Without_smoothing_it_is_plain_cross_entropy()
    {
        // (-ln 1/3 - ln 1/2) / 2
        Assert.Equal((Math.Log(3) + Math.Log(2)) / 2, Loss(0), 1e-6);
    }

    [Fact]
    public void Smoothing_mixes_in_the_mean_negative_log_probability_over_all_classes()
    {
        // Row 0: every class has -ln p = ln 3, so smoothing changes nothing: ln 3.
        // Row 1: 0.9 * ln 2 + 0.1 * (ln 4 + ln 2 + ln 4) / 3.
        double row1 = 0.9 * Math.Log(2) + 0.1 * (Math.Log(4) + Math.Log(2) + Math.Log(4)) / 3;
        Assert.Equal((Math.Log(3) + row1) / 2, Loss(0.1), 1e-6);
        Assert.Equal(0.918985, (Math.Log(3) + row1) / 2, 1e-6);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Smoothing_outside_zero_to_one_is_rejected(double smoothing)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdentityLoss(smoothing));
    }
}
