namespace ReId.Vision.Sources;

/// <summary>What a source knows about its stream before the first frame.</summary>
public sealed record FrameSourceInfo(int Width, int Height, double FramesPerSecond, long? FrameCount);

/// <summary>
/// A camera's stream of frames: a video file, a device, or a folder of images.
/// <see cref="Read"/> is called from one thread at a time.
/// </summary>
public interface IFrameSource : IDisposable
{
    string CameraId { get; }
    /// <summary>The file, folder or device as the user named it; part of every event id.</summary>
    string Source { get; }
    FrameSourceInfo Info { get; }
    /// <summary>The next frame, or null at the end of the stream. The caller owns the frame.</summary>
    Frame? Read();
}

/// <summary>The source cannot be opened or read; the message names it and the fix.</summary>
public sealed class FrameSourceException(string message, Exception? inner = null) : Exception(message, inner);
