using OpenCvSharp;
using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

public sealed class AugmentationTests
{
    private const int H = 32, W = 16;

    private static Mat Gradient()
    {
        var m = new Mat(H, W, MatType.CV_8UC3);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                m.Set(y, x, new Vec3b((byte)(30 + 7 * x), (byte)(40 + 5 * y), (byte)(220 - 3 * x - 2 * y)));
        return m;
    }

    [Fact]
    public void Pad_and_crop_shifts_by_at_most_the_padding_and_fills_with_black()
    {
        using var source = Gradient();
        var pad = Augmentation.None with { Padding = 10 };
        var shifts = new HashSet<(int, int)>();

        for (int seed = 0; seed < 8; seed++)
        {
            using var shifted = pad.ApplyToImage(source, new Random(seed));
            Assert.Equal((H, W), (shifted.Rows, shifted.Cols));
            // The one shift that explains every output pixel: source pixel or the zero border.
            var match = Enumerable.Range(-10, 21).SelectMany(dy => Enumerable.Range(-10, 21).Select(dx => (dx, dy)))
                .Where(s => Enumerable.Range(0, H * W).All(i =>
                {
                    int x = i % W, y = i / W, sx = x + s.dx, sy = y + s.dy;
                    var expected = sx is >= 0 and < W && sy is >= 0 and < H ? source.At<Vec3b>(sy, sx) : new Vec3b(0, 0, 0);
                    return shifted.At<Vec3b>(y, x) == expected;
                }))
                .ToList();
            shifts.Add(Assert.Single(match));
        }
        Assert.True(shifts.Count > 1, "the crop position does not vary with the seed");
    }

    [Fact]
    public void Brightness_jitter_scales_all_channels_by_one_factor_within_its_range()
    {
        using var source = Gradient();
        var jitter = Augmentation.None with { Brightness = 0.2 };
        var factors = new List<double>();

        for (int seed = 0; seed < 6; seed++)
        {
            using var bright = jitter.ApplyToImage(source, new Random(seed));
            var s = source.At<Vec3b>(H - 1, 0);
            var b = bright.At<Vec3b>(H - 1, 0);
            double factor = b.Item1 / (double)s.Item1;
            Assert.InRange(factor, 0.79, 1.21);
            for (int y = 0; y < H; y += 5)
                for (int x = 0; x < W; x += 3)
                {
                    var sp = source.At<Vec3b>(y, x);
                    var bp = bright.At<Vec3b>(y, x);
                    for (int c = 0; c < 3; c++)
                        Assert.InRange(bp[c], Math.Min(255, sp[c] * factor) - 1.5, Math.Min(255, sp[c] * factor) + 1.5);
                }
            factors.Add(factor);
        }
        Assert.True(factors.Distinct().Count() > 1);
    }

    [Fact]
    public void Saturation_jitter_keeps_grey_pixels_grey()
    {
        using var grey = new Mat(H, W, MatType.CV_8UC3, new Scalar(90, 90, 90));
        using var coloured = Gradient();
        var jitter = Augmentation.None with { Saturation = 0.5 };

        using var a = jitter.ApplyToImage(grey, new Random(7));
        using var b = jitter.ApplyToImage(coloured, new Random(7));

        Assert.All(Enumerable.Range(0, H * W), i => Assert.Equal(new Vec3b(90, 90, 90), a.At<Vec3b>(i / W, i % W)));
        Assert.NotEqual(0, Cv2.Norm(coloured, b, NormTypes.L1));
    }
}
