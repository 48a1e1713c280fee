namespace ReId.Core.Tracking;

/// <summary>
/// The filter's belief about one box: mean of [cx, cy, a, h, vcx, vcy, va, vh] (velocities per
/// frame) and its 8x8 covariance. Owned by one track; the filter returns new states.
/// </summary>
public sealed record KalmanBoxState(double[] Mean, double[,] Covariance)
{
    public BoxMeasurement Position => new(Mean[0], Mean[1], Mean[2], Mean[3]);
}

/// <summary>
/// Constant-velocity Kalman filter on a box, as in SORT, DeepSORT and ByteTrack. Process and
/// measurement noise scale with the box height: a detector's error in pixels grows with the size
/// of the person, so a fixed noise would over-trust small boxes and under-trust large ones. The
/// aspect ratio gets small fixed noise because it hardly changes.
/// </summary>
public sealed class KalmanBoxFilter(double stdWeightPosition = 1.0 / 20, double stdWeightVelocity = 1.0 / 160)
{
    /// <summary>
    /// The 0.95 quantile of the chi-square distribution with 4 degrees of freedom: a measurement
    /// whose squared Mahalanobis distance exceeds it is implausible for the track (5% false reject).
    /// </summary>
    public const double GatingThreshold = 9.4877;

    private const int Dims = 4;

    public double StdWeightPosition { get; } = stdWeightPosition;
    public double StdWeightVelocity { get; } = stdWeightVelocity;

    /// <summary>
    /// A new track at the measured box with unknown velocity: the velocity uncertainty is wide
    /// (ten velocity weights) so the first few updates mostly set it.
    /// </summary>
    public KalmanBoxState Initiate(BoxMeasurement measurement)
    {
        double h = measurement.Height;
        var mean = new double[2 * Dims];
        mean[0] = measurement.CenterX;
        mean[1] = measurement.CenterY;
        mean[2] = measurement.Aspect;
        mean[3] = h;
        double[] std =
        [
            2 * StdWeightPosition * h, 2 * StdWeightPosition * h, 1e-2, 2 * StdWeightPosition * h,
            10 * StdWeightVelocity * h, 10 * StdWeightVelocity * h, 1e-5, 10 * StdWeightVelocity * h,
        ];
        return new KalmanBoxState(mean, Diagonal(std));
    }

    /// <summary>One frame ahead: x' = F·x, P' = F·P·Fᵀ + Q, with Q scaled by the current height.</summary>
    public KalmanBoxState Predict(KalmanBoxState state)
    {
        double h = state.Mean[3];
        double[] std =
        [
            StdWeightPosition * h, StdWeightPosition * h, 1e-2, StdWeightPosition * h,
            StdWeightVelocity * h, StdWeightVelocity * h, 1e-5, StdWeightVelocity * h,
        ];
        var mean = new double[2 * Dims];
        for (int i = 0; i < Dims; i++)
        {
            mean[i] = state.Mean[i] + state.Mean[Dims + i];
            mean[Dims + i] = state.Mean[Dims + i];
        }
        var covariance = SmallMatrix.MultiplyByTranspose(SmallMatrix.Multiply(Motion, state.Covariance), Motion);
        for (int i = 0; i < 2 * Dims; i++) covariance[i, i] += std[i] * std[i];
        return new KalmanBoxState(mean, covariance);
    }

    /// <summary>Corrects the state with a measured box (the standard Kalman update).</summary>
    public KalmanBoxState Update(KalmanBoxState state, BoxMeasurement measurement)
    {
        var (projected, innovationCovariance) = Project(state);
        var l = SmallMatrix.Cholesky(innovationCovariance);
        double[] innovation = Innovation(measurement, projected);

        // P·Hᵀ is the first four columns of P, because H just selects the position part.
        var p = state.Covariance;
        int n = 2 * Dims;
        var gain = new double[n, Dims];
        Span<double> row = stackalloc double[Dims];
        for (int i = 0; i < n; i++)
        {
            // Row i of K = P·Hᵀ·S⁻¹ solves S·kᵢ = (P·Hᵀ)ᵢ, S being symmetric.
            for (int j = 0; j < Dims; j++) row[j] = p[i, j];
            var k = SmallMatrix.SolveUpperOfLower(l, SmallMatrix.SolveLower(l, row));
            for (int j = 0; j < Dims; j++) gain[i, j] = k[j];
        }

        var mean = (double[])state.Mean.Clone();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < Dims; j++)
                mean[i] += gain[i, j] * innovation[j];

        // P - K·S·Kᵀ = P - K·(P·Hᵀ)ᵀ since K·S = P·Hᵀ.
        var covariance = (double[,])p.Clone();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int t = 0; t < Dims; t++) sum += gain[i, t] * p[j, t];
                covariance[i, j] -= sum;
            }
        return new KalmanBoxState(mean, covariance);
    }

    /// <summary>
    /// Squared Mahalanobis distance of a measured box from the state's projected box, over all four
    /// measured quantities; compare with <see cref="GatingThreshold"/>.
    /// </summary>
    public double GatingDistance(KalmanBoxState state, BoxMeasurement measurement)
    {
        var (projected, innovationCovariance) = Project(state);
        var z = SmallMatrix.SolveLower(SmallMatrix.Cholesky(innovationCovariance), Innovation(measurement, projected));
        double sum = 0;
        foreach (double v in z) sum += v * v;
        return sum;
    }

    /// <summary>The state in measurement space, with the detector's noise added (H·x, H·P·Hᵀ + R).</summary>
    private (double[] Mean, double[,] Covariance) Project(KalmanBoxState state)
    {
        double h = state.Mean[3];
        double[] std = [StdWeightPosition * h, StdWeightPosition * h, 1e-1, StdWeightPosition * h];
        var mean = state.Mean[..Dims];
        var covariance = new double[Dims, Dims];
        for (int i = 0; i < Dims; i++)
            for (int j = 0; j < Dims; j++)
                covariance[i, j] = state.Covariance[i, j];
        for (int i = 0; i < Dims; i++) covariance[i, i] += std[i] * std[i];
        return (mean, covariance);
    }

    private static double[] Innovation(BoxMeasurement measurement, double[] projected) =>
    [
        measurement.CenterX - projected[0], measurement.CenterY - projected[1],
        measurement.Aspect - projected[2], measurement.Height - projected[3],
    ];

    private static double[,] Diagonal(double[] std)
    {
        var m = new double[std.Length, std.Length];
        for (int i = 0; i < std.Length; i++) m[i, i] = std[i] * std[i];
        return m;
    }

    /// <summary>F: position += velocity each frame.</summary>
    private static readonly double[,] Motion = CreateMotion();

    private static double[,] CreateMotion()
    {
        var f = new double[2 * Dims, 2 * Dims];
        for (int i = 0; i < 2 * Dims; i++) f[i, i] = 1;
        for (int i = 0; i < Dims; i++) f[i, Dims + i] = 1;
        return f;
    }
}
