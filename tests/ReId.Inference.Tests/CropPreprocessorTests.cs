using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Core.Models;
using ReId.Vision.Imaging;

namespace ReId.Inference.Tests;

/// <summary>
/// The fast crop preprocessing (one ConvertTo per plane straight into the tensor) against a
/// straightforward per-pixel reference, on a real frame of the sample footage.
/// </summary>
public class CropPreprocessorTests
{
    private static Mat RealFrame()
    {
        string video = Path.Combine(FindRepo(), ".samples", "vtest.avi");
        using var capture = new VideoCapture(video);
        Assert.True(capture.IsOpened(), $"{video} missing: run scripts/setup.sh");
        var frame = new Mat();
        for (int i = 0; i < 10; i++) capture.Read(frame);
        return frame;
    }

    private static string FindRepo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "ReIdWorker.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>Per pixel, per channel: the definition of the model input, written plainly.</summary>
    private static float[] Reference(Mat frame, Box box, ModelMetadata m)
    {
        var rect = CropPreprocessor.ToPixelRect(box, frame.Width, frame.Height);
        using var roi = new Mat(frame, rect);
        using var resized = new Mat();
        Cv2.Resize(roi, resized, new Size(m.InputWidth, m.InputHeight), 0, 0, InterpolationFlags.Linear);
        var result = new float[3 * m.InputHeight * m.InputWidth];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < m.InputHeight; y++)
                for (int x = 0; x < m.InputWidth; x++)
                {
                    var bgr = resized.At<Vec3b>(y, x);
                    byte value = m.ChannelOrder == "RGB" ? bgr[2 - c] : bgr[c];
                    result[(c * m.InputHeight + y) * m.InputWidth + x] = (value * m.PixelScale - m.Mean[c]) / m.Std[c];
                }
        return result;
    }

    [Theory]
    [InlineData("RGB")]
    [InlineData("BGR")]
    public void Matches_the_per_pixel_reference(string order)
    {
        using var frame = RealFrame();
        var model = new ModelMetadata { ChannelOrder = order, InputHeight = 256, InputWidth = 128, EmbeddingDim = 8 };
        var pre = new CropPreprocessor(model);
        var box = new Box(245.5f, 200.2f, 47.3f, 101.9f);
        var actual = new float[pre.CropLength + 5];
        actual.AsSpan().Fill(float.NaN);
        pre.Write(frame, box, actual);
        var expected = Reference(frame, box, model);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) < 1e-4f, $"element {i}: expected {expected[i]}, got {actual[i]}");
        Assert.True(float.IsNaN(actual[^1]), "wrote past the crop");
        // Channels really differ on a real frame, so a swapped order would have been caught.
        int plane = 256 * 128;
        Assert.NotEqual(actual[..plane], actual[(2 * plane)..(3 * plane)]);
    }

    [Fact]
    public void Box_partly_outside_the_frame_is_the_same_as_its_visible_part()
    {
        using var frame = RealFrame();
        var model = new ModelMetadata { InputHeight = 64, InputWidth = 32, EmbeddingDim = 8, ChannelOrder = "BGR", PixelScale = 1f, Mean = [0, 0, 0], Std = [1, 1, 1] };
        var pre = new CropPreprocessor(model);
        var outside = new float[pre.CropLength];
        var inside = new float[pre.CropLength];
        pre.Write(frame, new Box(740, -20, 60, 120), outside);
        pre.Write(frame, new Box(740, 0, 28, 100), inside);
        Assert.Equal(inside, outside);
        Assert.Contains(outside, v => v > 0);
    }

    [Fact]
    public void Caffe_style_bgr_0_255_mean_subtraction_is_supported()
    {
        using var frame = RealFrame();
        var model = new ModelMetadata
        {
            ChannelOrder = "BGR", PixelScale = 1f, Mean = [103.94f, 116.78f, 123.68f], Std = [1, 1, 1],
            InputHeight = 128, InputWidth = 64, EmbeddingDim = 8,
        };
        var pre = new CropPreprocessor(model);
        var box = new Box(100, 100, 50, 120);
        var actual = new float[pre.CropLength];
        pre.Write(frame, box, actual);
        Assert.Equal(Reference(frame, box, model), actual, (a, b) => MathF.Abs(a - b) < 1e-3f);
    }
}
