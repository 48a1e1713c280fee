using OpenCvSharp;

namespace ReIdTrainer.Data;

/// <summary>
/// The usual re-ID training augmentations (as in torchreid / the "bag of tricks" baseline): horizontal
/// flip, zero padding plus a random crop back to size, mild colour jitter, and random erasing (Zhong et
/// al., 2017). Setting a probability or amount to 0 turns that step off.
/// </summary>
public sealed record Augmentation
{
    public double FlipProbability { get; init; } = 0.5;
    public int Padding { get; init; } = 10;
    public double Brightness { get; init; } = 0.2;
    public double Contrast { get; init; } = 0.15;
    public double Saturation { get; init; } = 0.15;
    public double ErasingProbability { get; init; } = 0.5;
    // Zhong et al.'s defaults: erase 2-40 % of the area with aspect ratio between 0.3 and 1/0.3.
    public double ErasingMinArea { get; init; } = 0.02;
    public double ErasingMaxArea { get; init; } = 0.4;
    public double ErasingMinAspect { get; init; } = 0.3;

    public static Augmentation Training { get; } = new();

    public static Augmentation None { get; } = new()
    {
        FlipProbability = 0, Padding = 0, Brightness = 0, Contrast = 0, Saturation = 0, ErasingProbability = 0,
    };

    /// <summary>
    /// Flip, pad-and-crop and colour jitter on an 8-bit BGR image of the final size; returns a new Mat.
    /// Random numbers are drawn in a fixed order whatever is switched off, so one step's setting does
    /// not change another step's draws.
    /// </summary>
    public Mat ApplyToImage(Mat bgr, Random rng)
    {
        bool flip = rng.NextDouble() < FlipProbability;
        int dx = rng.Next(2 * Padding + 1), dy = rng.Next(2 * Padding + 1);
        double brightness = 1 + Brightness * (2 * rng.NextDouble() - 1);
        double contrast = 1 + Contrast * (2 * rng.NextDouble() - 1);
        double saturation = 1 + Saturation * (2 * rng.NextDouble() - 1);

        var image = bgr.Clone();
        if (flip) Cv2.Flip(image, image, FlipMode.Y);
        if (Padding > 0)
        {
            using var padded = new Mat();
            Cv2.CopyMakeBorder(image, padded, Padding, Padding, Padding, Padding, BorderTypes.Constant, Scalar.All(0));
            using var window = new Mat(padded, new Rect(dx, dy, bgr.Width, bgr.Height));
            window.CopyTo(image);
        }
        if (saturation != 1 || brightness != 1 || contrast != 1)
        {
            using var gray = new Mat();
            Cv2.CvtColor(image, gray, ColorConversionCodes.BGR2GRAY);
            double meanGray = Cv2.Mean(gray).Val0;
            Cv2.Split(image, out Mat[] planes);
            try
            {
                foreach (var plane in planes)
                {
                    // Saturation blends towards grey; brightness scales; contrast pulls towards the mean grey.
                    // Per-plane AddWeighted/ConvertTo avoid OpenCV's slow Mat-with-Scalar arithmetic.
                    if (saturation != 1) Cv2.AddWeighted(plane, saturation, gray, 1 - saturation, 0, plane);
                    plane.ConvertTo(plane, MatType.CV_8UC1, brightness * contrast, (1 - contrast) * brightness * meanGray);
                }
                Cv2.Merge(planes, image);
            }
            finally
            {
                foreach (var p in planes) p.Dispose();
            }
        }
        return image;
    }

    /// <summary>
    /// Random erasing on one normalised [3,H,W] image inside <paramref name="chw"/>. The box is filled with
    /// 0, which after normalisation is the ImageNet mean colour, as torchreid's default does.
    /// </summary>
    public void Erase(Span<float> chw, int height, int width, Random rng)
    {
        if (rng.NextDouble() >= ErasingProbability) return;
        double area = height * width;
        for (int attempt = 0; attempt < 100; attempt++)
        {
            double target = area * (ErasingMinArea + (ErasingMaxArea - ErasingMinArea) * rng.NextDouble());
            double aspect = ErasingMinAspect + (1 / ErasingMinAspect - ErasingMinAspect) * rng.NextDouble();
            int h = (int)Math.Round(Math.Sqrt(target * aspect)), w = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w >= width || h >= height || w < 1 || h < 1) continue;
            int y0 = rng.Next(height - h + 1), x0 = rng.Next(width - w + 1);
            for (int c = 0; c < 3; c++)
                for (int y = y0; y < y0 + h; y++)
                    chw.Slice(c * height * width + y * width + x0, w).Clear();
            return;
        }
    }
}
