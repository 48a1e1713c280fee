using System.Runtime.InteropServices;
using OpenCvSharp;
using ReId.Vision;

namespace ReId.Inference.Tests;

/// <summary>
/// Real footage for the YOLO detector tests: frames of vtest.avi (PETS 2009 S2L1 View 001,
/// 768x576) that scripts/setup.sh puts in .samples/, or the file REID_SAMPLE_VIDEO names.
/// </summary>
internal static class YoloTestFrames
{
    private static readonly Lazy<byte[]> SampleFrameBytes = new(() =>
    {
        using var frame = ReadVtestFrame(10);
        return Bytes(frame);
    });

    /// <summary>A fresh copy of one 768x576 vtest frame (the caller owns it).</summary>
    public static Mat Landscape()
    {
        var mat = new Mat(576, 768, MatType.CV_8UC3);
        Marshal.Copy(SampleFrameBytes.Value, 0, mat.Data, SampleFrameBytes.Value.Length);
        return mat;
    }

    /// <summary>The vtest frame turned on its side: 576x768, as a portrait phone video would be.</summary>
    public static Mat Portrait()
    {
        using var landscape = Landscape();
        var portrait = new Mat();
        Cv2.Transpose(landscape, portrait);
        return portrait;
    }

    public static Mat Resized(int width, int height)
    {
        using var landscape = Landscape();
        var resized = new Mat();
        Cv2.Resize(landscape, resized, new Size(width, height), 0, 0, InterpolationFlags.Area);
        return resized;
    }

    /// <summary>A frame that owns <paramref name="image"/>.</summary>
    public static Frame ToFrame(Mat image) => new()
    {
        CameraId = "cam-test",
        Number = 1,
        Timestamp = DateTimeOffset.UnixEpoch,
        TimestampSource = "media",
        Image = image,
    };

    /// <summary>The pixels of a BGR Mat, row after row, read without OpenCV's per-pixel accessors.</summary>
    public static byte[] Bytes(Mat mat)
    {
        using var continuous = mat.IsContinuous() ? null : mat.Clone();
        var source = continuous ?? mat;
        var bytes = new byte[source.Rows * source.Cols * source.ElemSize()];
        Marshal.Copy(source.Data, bytes, 0, bytes.Length);
        return bytes;
    }

    private static Mat ReadVtestFrame(int index)
    {
        string path = LocateVtest();
        using var capture = new VideoCapture(path);
        if (!capture.IsOpened()) throw new InvalidOperationException($"OpenCV cannot open '{path}'");
        var frame = new Mat();
        for (int i = 0; i <= index; i++)
        {
            if (capture.Read(frame) && !frame.Empty()) continue;
            frame.Dispose();
            throw new InvalidOperationException($"'{path}' ended before frame {index}");
        }
        if (frame.Width != 768 || frame.Height != 576 || frame.Type() != MatType.CV_8UC3)
        {
            var got = $"{frame.Width}x{frame.Height} {frame.Type()}";
            frame.Dispose();
            throw new InvalidOperationException($"'{path}' is not the 768x576 BGR vtest.avi (got {got})");
        }
        return frame;
    }

    private static string LocateVtest()
    {
        string? env = Environment.GetEnvironmentVariable("REID_SAMPLE_VIDEO");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ReIdWorker.sln")))
            {
                string path = Path.Combine(dir.FullName, ".samples", "vtest.avi");
                if (File.Exists(path)) return path;
                throw new FileNotFoundException($"sample footage '{path}' is missing; run scripts/setup.sh (or set REID_SAMPLE_VIDEO)");
            }
        throw new InvalidOperationException("cannot find ReIdWorker.sln above " + AppContext.BaseDirectory);
    }
}
