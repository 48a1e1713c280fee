using ReId.Core.Geometry;
using ReId.Core.Tracking;

namespace ReId.Core.Tests;

// Hand computations use a box of height h = 100, so the noise standard deviations are
// position: h/20 = 5, velocity: h/160 = 0.625 (variances 25 and 0.390625).
public class KalmanBoxFilterTests
{
    private const int Precision = 9;
    private static readonly KalmanBoxFilter Filter = new();
    // Box (30, 30, 40, 100): centre (50, 80), aspect 0.4, height 100.
    private static readonly BoxMeasurement Start = new(50, 80, 0.4, 100);

    [Fact]
    public void Measurement_is_centre_aspect_and_height_of_the_box_and_converts_back()
    {
        var box = new Box(30, 30, 40, 100);
        Assert.Equal(Start, BoxMeasurement.FromBox(box));
        Assert.Equal(box, Start.ToBox());
    }

    [Fact]
    public void Initiate_places_the_box_at_rest_with_height_scaled_uncertainty()
    {
        var state = Filter.Initiate(Start);
        Assert.Equal(new double[] { 50, 80, 0.4, 100, 0, 0, 0, 0 }, state.Mean);
        // Standard deviations: position 2*5 = 10, velocity 10*0.625 = 6.25; aspect 1e-2 and 1e-5.
        double[] variances = [100, 100, 1e-4, 100, 39.0625, 39.0625, 1e-10, 39.0625];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                Assert.Equal(i == j ? variances[i] : 0, state.Covariance[i, j], Precision);
    }

    [Fact]
    public void Predict_adds_velocity_uncertainty_and_process_noise_to_the_position()
    {
        var state = Filter.Predict(Filter.Initiate(Start));
        Assert.Equal(new double[] { 50, 80, 0.4, 100, 0, 0, 0, 0 }, state.Mean);
        // F·P·Fᵀ + Q for each coordinate with its velocity:
        //   var(x)  = 100 + 39.0625 + 25      = 164.0625
        //   cov(x,v) = 39.0625
        //   var(v)  = 39.0625 + 0.390625     = 39.453125
        // aspect: var(a) = 1e-4 + 1e-10 + 1e-4, cov(a,va) = 1e-10, var(va) = 2e-10.
        foreach (int p in new[] { 0, 1, 3 })
        {
            Assert.Equal(164.0625, state.Covariance[p, p], Precision);
            Assert.Equal(39.0625, state.Covariance[p, p + 4], Precision);
            Assert.Equal(39.0625, state.Covariance[p + 4, p], Precision);
            Assert.Equal(39.453125, state.Covariance[p + 4, p + 4], Precision);
        }
        Assert.Equal(2e-4 + 1e-10, state.Covariance[2, 2], 15);
        Assert.Equal(1e-10, state.Covariance[2, 6], 15);
        Assert.Equal(2e-10, state.Covariance[6, 6], 15);
        Assert.Equal(0, state.Covariance[0, 1]);
        Assert.Equal(0, state.Covariance[0, 5]);
    }

    [Fact]
    public void Update_moves_position_and_velocity_by_the_kalman_gain()
    {
        var predicted = Filter.Predict(Filter.Initiate(Start));
        // The box moved 10 px right. Innovation covariance of x: S = 164.0625 + 25 = 189.0625 = 3025/16.
        // Gain: position 164.0625/S = 2625/3025 = 105/121, velocity 39.0625/S = 625/3025 = 25/121.
        var updated = Filter.Update(predicted, Start with { CenterX = 60 });
        Assert.Equal(50 + 1050.0 / 121, updated.Mean[0], Precision);
        Assert.Equal(250.0 / 121, updated.Mean[4], Precision);
        // Nothing else was surprised.
        Assert.Equal(80, updated.Mean[1], Precision);
        Assert.Equal(0.4, updated.Mean[2], Precision);
        Assert.Equal(100, updated.Mean[3], Precision);
        Assert.Equal(0, updated.Mean[5], Precision);
        // P - K·S·Kᵀ: var(x) = 164.0625·25/S = 2625/121, cov(x,v) = 39.0625·25/S = 625/121,
        // var(v) = 39.453125 - 39.0625²/S = 39.453125 - 390625/48400.
        Assert.Equal(2625.0 / 121, updated.Covariance[0, 0], Precision);
        Assert.Equal(625.0 / 121, updated.Covariance[0, 4], Precision);
        Assert.Equal(625.0 / 121, updated.Covariance[4, 0], Precision);
        Assert.Equal(39.453125 - 390625.0 / 48400, updated.Covariance[4, 4], Precision);
        // y was measured where predicted: its variance shrinks the same way, its mean stays.
        Assert.Equal(2625.0 / 121, updated.Covariance[1, 1], Precision);
    }

    [Fact]
    public void Predict_after_an_update_extrapolates_with_the_estimated_velocity()
    {
        var updated = Filter.Update(Filter.Predict(Filter.Initiate(Start)), Start with { CenterX = 60 });
        var predicted = Filter.Predict(updated);
        // x + v = (50 + 1050/121) + 250/121 = 50 + 1300/121
        Assert.Equal(50 + 1300.0 / 121, predicted.Mean[0], Precision);
        // var(x) + 2 cov(x,v) + var(v) + 25
        double expected = 2625.0 / 121 + 2 * 625.0 / 121 + (39.453125 - 390625.0 / 48400) + 25;
        Assert.Equal(expected, predicted.Covariance[0, 0], Precision);
    }

    [Fact]
    public void Gating_distance_is_the_squared_mahalanobis_distance_in_measurement_space()
    {
        var predicted = Filter.Predict(Filter.Initiate(Start));
        // S is diagonal here; sqrt(189.0625) = 13.75 px is one standard deviation in x, y and h.
        Assert.Equal(0, Filter.GatingDistance(predicted, Start), Precision);
        Assert.Equal(1, Filter.GatingDistance(predicted, Start with { CenterX = 50 + 13.75 }), Precision);
        Assert.Equal(2, Filter.GatingDistance(predicted, Start with { CenterY = 80 - 13.75, Height = 113.75 }), Precision);
        // Three standard deviations (9) pass the 95% gate, 3.1 (9.61) do not.
        Assert.True(Filter.GatingDistance(predicted, Start with { CenterX = 50 + 3 * 13.75 }) <= KalmanBoxFilter.GatingThreshold);
        Assert.True(Filter.GatingDistance(predicted, Start with { CenterX = 50 + 3.1 * 13.75 }) > KalmanBoxFilter.GatingThreshold);
    }

    [Fact]
    public void Velocity_converges_to_a_steady_walk()
    {
        var state = Filter.Initiate(Start);
        for (int f = 1; f <= 40; f++)
            state = Filter.Update(Filter.Predict(state), Start with { CenterX = 50 + 8 * f });
        Assert.Equal(8, state.Mean[4], 1);
        Assert.Equal(50 + 8 * 40, state.Mean[0], 0);
    }
}
