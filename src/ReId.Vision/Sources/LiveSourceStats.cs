namespace ReId.Vision.Sources;

/// <summary>
/// Live counters of one camera's <see cref="LiveSource"/>, for health checks and metrics. Reads are
/// thread-safe; each property is read atomically (not all of them together).
/// </summary>
public sealed class LiveSourceStats
{
    private long _framesRead, _framesDelivered, _framesDropped, _reconnects, _lastFrameTicks;
    private int _connected;
    private string? _lastError;

    /// <summary>Frames read from the camera (delivered + dropped + still buffered).</summary>
    public long FramesRead => Interlocked.Read(ref _framesRead);
    /// <summary>Frames handed to the consumer.</summary>
    public long FramesDelivered => Interlocked.Read(ref _framesDelivered);
    /// <summary>Frames discarded unread: pushed out of the full buffer by newer ones, or left in it at stop.</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);
    /// <summary>Attempts to reopen the source after it failed, ended or stalled (not loops of a file).</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);
    /// <summary>True while a source is open and delivering.</summary>
    public bool Connected => Volatile.Read(ref _connected) != 0;
    /// <summary>Wall-clock time of the newest frame read.</summary>
    public DateTimeOffset? LastFrameAt
    {
        get
        {
            long ticks = Interlocked.Read(ref _lastFrameTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }
    /// <summary>Why the source was last lost or could not be opened; null until that happens.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    internal void FrameRead(DateTimeOffset at)
    {
        Interlocked.Exchange(ref _lastFrameTicks, at.UtcTicks);
        Interlocked.Increment(ref _framesRead);
    }

    internal void FrameDelivered() => Interlocked.Increment(ref _framesDelivered);
    internal void FrameDropped() => Interlocked.Increment(ref _framesDropped);
    internal void Reconnecting() => Interlocked.Increment(ref _reconnects);
    internal void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);
    internal void SetError(string error) => Volatile.Write(ref _lastError, error);
}
