using OpenCvSharp;
using ReId.Inference.Detectors;

namespace ReId.Inference.Tests;

public sealed class YoloLetterboxTests
{
    private const float Grey = 114f / 255f;

    [Theory]
    // frame        input      scale          resized   pad left, top
    [InlineData(768, 576, 640, 640, 640.0 / 768, 640, 480, 0, 80)]
    [InlineData(576, 768, 640, 640, 640.0 / 768, 480, 640, 80, 0)]
    [InlineData(320, 180, 640, 640, 2.0, 640, 360, 0, 140)]
    [InlineData(640, 480, 640, 640, 1.0, 640, 480, 0, 80)]
    // 500 * 0.914 = 457.1: the odd padding (183) puts 91 rows on top, 92 below, as Ultralytics does.
    [InlineData(700, 500, 640, 640, 640.0 / 700, 640, 457, 0, 91)]
    [InlineData(1920, 1080, 640, 384, 640.0 / 1920, 640, 360, 0, 12)]
    public void Fit_matches_ultralytics_geometry(int fw, int fh, int iw, int ih, double scale, int rw, int rh, int padLeft, int padTop)
    {
        var lb = Letterbox.Fit(fw, fh, iw, ih);
        Assert.Equal(scale, lb.Scale, 1e-12);
        Assert.Equal((rw, rh, padLeft, padTop), (lb.ResizedWidth, lb.ResizedHeight, lb.PadLeft, lb.PadTop));
    }

    [Fact]
    public void ToFrame_undoes_the_letterbox()
    {
        var lb = Letterbox.Fit(576, 768, 640, 640); // scale 5/6, 80 px of padding left
        var box = lb.ToFrame(80f + 100f * 5 / 6, 50f * 5 / 6, 80f + 160f * 5 / 6, 350f * 5 / 6);
        Assert.Equal(100f, box.X, 3);
        Assert.Equal(50f, box.Y, 3);
        Assert.Equal(60f, box.Width, 3);
        Assert.Equal(300f, box.Height, 3);
    }

    /// <summary>
    /// A 640x480 frame needs no resize, so every tensor value can be checked against a plain
    /// per-pixel letterbox: grey rows above and below, RGB planes scaled to [0,1].
    /// </summary>
    [Fact]
    public void WriteTensor_without_resize_matches_per_pixel_reference()
    {
        using var landscape = YoloTestFrames.Landscape();
        using var roi = new Mat(landscape, new Rect(64, 48, 640, 480));
        using var frame = roi.Clone();
        var lb = Letterbox.Fit(640, 480, 640, 640);
        var tensor = Garbage(3 * 640 * 640);

        lb.WriteTensor(frame, tensor);

        var expected = PerPixelLetterbox(YoloTestFrames.Bytes(frame), 640, 480, 640, 640, padLeft: 0, padTop: 80);
        AssertClose(expected, tensor, 1e-6f);
    }

    /// <summary>
    /// Resized frames: the reference resizes with OpenCV's bilinear filter to the size Ultralytics
    /// would pick, then pads, swaps channels and scales pixel by pixel.
    /// </summary>
    [Theory]
    [InlineData("landscape", 640, 480, 0, 80)]
    [InlineData("portrait", 480, 640, 80, 0)]
    [InlineData("700x500", 640, 457, 0, 91)]
    [InlineData("320x180", 640, 360, 0, 140)]
    public void WriteTensor_matches_per_pixel_reference_after_resize(string which, int rw, int rh, int padLeft, int padTop)
    {
        using var frame = Sample(which);
        var lb = Letterbox.Fit(frame.Width, frame.Height, 640, 640);
        var tensor = Garbage(3 * 640 * 640);

        lb.WriteTensor(frame, tensor);

        using var resized = new Mat();
        Cv2.Resize(frame, resized, new Size(rw, rh), 0, 0, InterpolationFlags.Linear);
        var expected = PerPixelLetterbox(YoloTestFrames.Bytes(resized), rw, rh, 640, 640, padLeft, padTop);
        AssertClose(expected, tensor, 1e-6f);
    }

    /// <summary>
    /// The same without OpenCV in the reference: a textbook half-pixel bilinear resample. OpenCV's
    /// 8-bit fixed-point filter may differ by a grey level, so this checks geometry (placement,
    /// orientation, channel order), not rounding.
    /// </summary>
    [Theory]
    [InlineData("landscape")]
    [InlineData("portrait")]
    [InlineData("320x180")]
    public void WriteTensor_matches_textbook_bilinear_letterbox(string which)
    {
        using var frame = Sample(which);
        var lb = Letterbox.Fit(frame.Width, frame.Height, 640, 640);
        var tensor = new float[3 * 640 * 640];
        lb.WriteTensor(frame, tensor);

        byte[] src = YoloTestFrames.Bytes(frame);
        int fw = frame.Width, fh = frame.Height;
        double maxError = 0, sumError = 0;
        for (int y = 0; y < 640; y++)
        for (int x = 0; x < 640; x++)
        {
            int rx = x - lb.PadLeft, ry = y - lb.PadTop;
            bool inside = rx >= 0 && ry >= 0 && rx < lb.ResizedWidth && ry < lb.ResizedHeight;
            for (int c = 0; c < 3; c++)
            {
                double expected = inside
                    ? Bilinear(src, fw, fh, 2 - c, (rx + 0.5) * fw / lb.ResizedWidth - 0.5, (ry + 0.5) * fh / lb.ResizedHeight - 0.5) / 255.0
                    : Grey;
                double error = Math.Abs(expected - tensor[c * 640 * 640 + y * 640 + x]);
                maxError = Math.Max(maxError, error);
                sumError += error;
            }
        }
        Assert.True(maxError <= 1.5 / 255, $"max error {maxError * 255:0.00} grey levels");
        Assert.True(sumError / (3.0 * 640 * 640) <= 0.25 / 255, $"mean error {sumError / (3.0 * 640 * 640) * 255:0.000} grey levels");
    }

    [Fact]
    public void WriteTensor_rejects_what_it_cannot_letterbox()
    {
        using var grey = new Mat(576, 768, MatType.CV_8UC1);
        using var bgr = YoloTestFrames.Landscape();
        var lb = Letterbox.Fit(768, 576, 640, 640);

        Assert.Contains("CV_8UC3", Assert.Throws<ArgumentException>(() => lb.WriteTensor(grey, new float[3 * 640 * 640])).Message);
        Assert.Contains("fitted to 700x500 but the image is 768x576", Assert.Throws<ArgumentException>(
            () => Letterbox.Fit(700, 500, 640, 640).WriteTensor(bgr, new float[3 * 640 * 640])).Message);
        Assert.Contains("need", Assert.Throws<ArgumentException>(() => lb.WriteTensor(bgr, new float[640 * 640])).Message);
    }

    private static Mat Sample(string which) => which switch
    {
        "landscape" => YoloTestFrames.Landscape(),
        "portrait" => YoloTestFrames.Portrait(),
        "700x500" => YoloTestFrames.Resized(700, 500),
        "320x180" => YoloTestFrames.Resized(320, 180),
        _ => throw new ArgumentException(which),
    };

    /// <summary>Pooled tensors hold the previous frame: start from NaN so an unwritten value shows.</summary>
    private static float[] Garbage(int length)
    {
        var t = new float[length];
        Array.Fill(t, float.NaN);
        return t;
    }

    private static float[] PerPixelLetterbox(byte[] bgr, int w, int h, int iw, int ih, int padLeft, int padTop)
    {
        var t = new float[3 * iw * ih];
        for (int y = 0; y < ih; y++)
        for (int x = 0; x < iw; x++)
        for (int c = 0; c < 3; c++) // c: R, G, B
        {
            int sx = x - padLeft, sy = y - padTop;
            t[c * iw * ih + y * iw + x] = sx >= 0 && sy >= 0 && sx < w && sy < h
                ? bgr[(sy * w + sx) * 3 + (2 - c)] / 255f
                : Grey;
        }
        return t;
    }

    private static double Bilinear(byte[] bgr, int w, int h, int channel, double fx, double fy)
    {
        (int x0, double ax) = Axis(fx, w);
        (int y0, double ay) = Axis(fy, h);
        int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
        double P(int x, int y) => bgr[(y * w + x) * 3 + channel];
        return (1 - ay) * ((1 - ax) * P(x0, y0) + ax * P(x1, y0)) + ay * ((1 - ax) * P(x0, y1) + ax * P(x1, y1));

        static (int, double) Axis(double f, int n)
        {
            if (f <= 0) return (0, 0);
            int i = (int)Math.Floor(f);
            return i >= n - 1 ? (n - 1, 0) : (i, f - i);
        }
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"tensor value {i} (plane {i / (640 * 640)}, y {i % (640 * 640) / 640}, x {i % 640}) " +
                            $"is {actual[i]}, expected {expected[i]}");
    }
}
