using OpenCvSharp;

namespace ReId.Vision.Sources;

/// <summary>
/// A recorded video file decoded by OpenCV's bundled FFmpeg. Timestamps are media time
/// (the frame's presentation time) added to <c>startTime</c>, so replays are reproducible.
/// </summary>
public sealed class VideoFileSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly DateTimeOffset _startTime;
    private long _number;

    public string CameraId { get; }
    public string Source { get; }
    public FrameSourceInfo Info { get; }

    public VideoFileSource(string path, string cameraId, DateTimeOffset? startTime = null)
    {
        if (!File.Exists(path))
            throw new FrameSourceException($"video '{path}' does not exist; check the path (run scripts/setup.sh for the sample footage)");
        try { using var _ = File.OpenRead(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FrameSourceException($"video '{path}' cannot be read ({ex.Message}); check its permissions");
        }

        _capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            throw new FrameSourceException($"'{path}' could not be opened as a video (not a video, corrupt, or an unsupported codec); check the file plays, e.g. with ffprobe");
        }
        int w = _capture.FrameWidth, h = _capture.FrameHeight;
        if (w <= 0 || h <= 0)
        {
            _capture.Dispose();
            throw new FrameSourceException($"'{path}' has no video stream with a frame size; check the file plays, e.g. with ffprobe");
        }
        double fps = _capture.Fps;
        long count = (long)_capture.Get(VideoCaptureProperties.FrameCount);
        Info = new FrameSourceInfo(w, h, fps > 0 && fps < 1000 ? fps : 25.0, count > 0 ? count : null);
        CameraId = cameraId;
        Source = path;
        _startTime = startTime ?? new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
    }

    public Frame? Read()
    {
        var image = new Mat();
        if (!_capture.Read(image) || image.Empty())
        {
            image.Dispose();
            if (_number == 0)
                throw new FrameSourceException($"'{Source}' contains no decodable frames; check the file plays, e.g. with ffprobe");
            return null;
        }
        _number++;
        // POS_MSEC is the presentation time of the frame just read; some containers report 0
        // throughout, then the nominal frame rate is the best we have.
        double ms = _capture.Get(VideoCaptureProperties.PosMsec);
        if (ms <= 0 && _number > 1) ms = (_number - 1) * 1000.0 / Info.FramesPerSecond;
        return new Frame
        {
            CameraId = CameraId,
            Number = _number,
            Timestamp = _startTime.AddTicks((long)(ms * TimeSpan.TicksPerMillisecond)),
            TimestampSource = "media",
            Image = image,
        };
    }

    public void Dispose() => _capture.Dispose();
}
