using OpenCvSharp;

namespace ReId.Vision.Tests;

internal static class Pixels
{
    /// <summary>Mean absolute difference per channel value (0..255) of two same-size BGR images.</summary>
    public static double MeanAbsoluteDifference(Mat a, Mat b)
    {
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        var mean = Cv2.Mean(diff);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }

    /// <summary>Size and frame rate of a video as OpenCV reads them, to compare a stream of it with.</summary>
    public static (Size Size, double Fps) Describe(string path)
    {
        using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        Assert.True(capture.IsOpened(), $"OpenCV cannot open {path}");
        return (new Size(capture.FrameWidth, capture.FrameHeight), capture.Fps);
    }

    /// <summary>The first <paramref name="count"/> frames of a video as OpenCV decodes them.</summary>
    public static List<Mat> DecodeWithOpenCv(string path, int count)
    {
        using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        Assert.True(capture.IsOpened(), $"OpenCV cannot open {path}");
        var frames = new List<Mat>();
        for (int i = 0; i < count; i++)
        {
            var m = new Mat();
            if (!capture.Read(m) || m.Empty()) { m.Dispose(); break; }
            frames.Add(m);
        }
        return frames;
    }
}
