using OpenCvSharp;

namespace ReId.Vision;

/// <summary>
/// One decoded frame of one camera. The frame owns its BGR <see cref="Image"/>: exactly one stage
/// holds it at a time and the last one disposes it.
/// </summary>
public sealed class Frame : IDisposable
{
    public required string CameraId { get; init; }
    /// <summary>1-based frame number within the source, as MOTChallenge files count.</summary>
    public required long Number { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    /// <summary>"media" for recorded files (position + start time), "wallclock" for live capture.</summary>
    public required string TimestampSource { get; init; }
    public required Mat Image { get; init; }

    public int Width => Image.Width;
    public int Height => Image.Height;

    public void Dispose() => Image.Dispose();
}
