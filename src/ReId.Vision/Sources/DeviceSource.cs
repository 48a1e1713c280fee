using OpenCvSharp;

namespace ReId.Vision.Sources;

/// <summary>A local capture device (V4L2 on Linux: /dev/videoN). Timestamps are wall-clock.</summary>
public sealed class DeviceSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private long _number;

    public string CameraId { get; }
    public string Source { get; }
    public FrameSourceInfo Info { get; }

    public DeviceSource(int index, string cameraId)
    {
        _capture = new VideoCapture(index, VideoCaptureAPIs.V4L2);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new FrameSourceException($"camera device /dev/video{index} could not be opened; check it exists (ls /dev/video*) and the user may read it (group 'video')");
        }
        CameraId = cameraId;
        Source = $"/dev/video{index}";
        double fps = _capture.Fps;
        Info = new FrameSourceInfo(_capture.FrameWidth, _capture.FrameHeight, fps > 0 ? fps : 25.0, null);
    }

    public Frame? Read()
    {
        var image = new Mat();
        if (!_capture.Read(image) || image.Empty())
        {
            image.Dispose();
            return null; // the device went away; the live worker reconnects
        }
        _number++;
        return new Frame
        {
            CameraId = CameraId,
            Number = _number,
            Timestamp = DateTimeOffset.UtcNow,
            TimestampSource = "wallclock",
            Image = image,
        };
    }

    public void Dispose() => _capture.Dispose();
}
