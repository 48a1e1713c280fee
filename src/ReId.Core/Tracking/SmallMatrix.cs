namespace ReId.Core.Tracking;

/// <summary>
/// The few dense-matrix operations the box Kalman filter needs, on 8x8 and 4x4 matrices. Plain
/// loops: at these sizes a linear-algebra package would cost more in dependencies than it saves.
/// </summary>
internal static class SmallMatrix
{
    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        if (b.GetLength(0) != k) throw new ArgumentException($"cannot multiply {n}x{k} by {b.GetLength(0)}x{m}");
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double sum = 0;
                for (int t = 0; t < k; t++) sum += a[i, t] * b[t, j];
                c[i, j] = sum;
            }
        return c;
    }

    /// <summary>a · bᵀ, without materialising the transpose.</summary>
    public static double[,] MultiplyByTranspose(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(0);
        if (b.GetLength(1) != k) throw new ArgumentException($"cannot multiply {n}x{k} by the transpose of {m}x{b.GetLength(1)}");
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double sum = 0;
                for (int t = 0; t < k; t++) sum += a[i, t] * b[j, t];
                c[i, j] = sum;
            }
        return c;
    }

    /// <summary>
    /// The lower-triangular L with L·Lᵀ = a, for a symmetric positive-definite a. Solving through
    /// it is stabler than inverting the innovation covariance, as the reference trackers do too.
    /// </summary>
    public static double[,] Cholesky(double[,] a)
    {
        int n = a.GetLength(0);
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int t = 0; t < j; t++) sum -= l[i, t] * l[j, t];
                if (i == j)
                {
                    if (!(sum > 0)) throw new InvalidOperationException("covariance is not positive definite");
                    l[i, i] = Math.Sqrt(sum);
                }
                else l[i, j] = sum / l[j, j];
            }
        return l;
    }

    /// <summary>Solves L·x = b for lower-triangular L (forward substitution).</summary>
    public static double[] SolveLower(double[,] l, ReadOnlySpan<double> b)
    {
        int n = l.GetLength(0);
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int t = 0; t < i; t++) sum -= l[i, t] * x[t];
            x[i] = sum / l[i, i];
        }
        return x;
    }

    /// <summary>Solves Lᵀ·x = b for lower-triangular L (back substitution).</summary>
    public static double[] SolveUpperOfLower(double[,] l, ReadOnlySpan<double> b)
    {
        int n = l.GetLength(0);
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int t = i + 1; t < n; t++) sum -= l[t, i] * x[t];
            x[i] = sum / l[i, i];
        }
        return x;
    }
}
