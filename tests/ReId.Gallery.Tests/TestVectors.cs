namespace ReId.Gallery.Tests;

/// <summary>Embeddings with known geometry, so expected similarities are exact rather than recorded.</summary>
internal static class TestVectors
{
    public static float[] RandomUnit(Random random, int dimension)
    {
        var vector = new double[dimension];
        for (int i = 0; i < dimension; i++)
        {
            // Box-Muller: a Gaussian vector has a uniformly random direction.
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            vector[i] = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
        return Unit(vector);
    }

    /// <summary>A unit vector whose cosine with <paramref name="unit"/> is exactly <paramref name="cosine"/>.</summary>
    public static float[] AtCosine(float[] unit, double cosine, Random random)
    {
        float[] other = RandomUnit(random, unit.Length);
        double along = Dot(other, unit);
        var orthogonal = new double[unit.Length];
        for (int i = 0; i < unit.Length; i++)
            orthogonal[i] = other[i] - along * unit[i];
        float[] side = Unit(orthogonal);
        double sine = Math.Sqrt(1 - cosine * cosine);
        var result = new double[unit.Length];
        for (int i = 0; i < unit.Length; i++)
            result[i] = cosine * unit[i] + sine * side[i];
        return Unit(result);
    }

    /// <summary>The same direction at another length: galleries must not care about magnitude.</summary>
    public static float[] Scaled(float[] vector, float factor) => vector.Select(v => v * factor).ToArray();

    public static double Cosine(float[] a, float[] b) => Dot(a, b) / Math.Sqrt(Dot(a, a) * Dot(b, b));

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += (double)a[i] * b[i];
        return sum;
    }

    private static float[] Unit(double[] vector)
    {
        double norm = Math.Sqrt(vector.Sum(v => v * v));
        return vector.Select(v => (float)(v / norm)).ToArray();
    }
}
