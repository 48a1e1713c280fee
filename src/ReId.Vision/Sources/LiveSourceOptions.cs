namespace ReId.Vision.Sources;

/// <summary>How a <see cref="LiveSource"/> keeps a camera running.</summary>
public sealed record LiveSourceOptions
{
    /// <summary>No frame for this long while connected: the stream is treated as dead and reopened.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait before reopening a source that failed; doubles (with jitter) on every further failure.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Longest wait between two attempts to reopen a source.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Frames buffered for a slow consumer; when full the oldest is dropped (live video wants the newest).</summary>
    public int BufferFrames { get; init; } = 2;

    /// <summary>Recorded files: start again at the end instead of ending.</summary>
    public bool Loop { get; init; }

    /// <summary>Recorded files: deliver at the file's frame rate, as a camera would, instead of as fast as decoding goes.</summary>
    public bool PaceToFrameRate { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> with one line naming the bad key and what it takes.</summary>
    public void Validate()
    {
        if (StallTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"{nameof(StallTimeout)} must be positive (got {StallTimeout}); e.g. 00:00:10", nameof(StallTimeout));
        if (ReconnectBaseDelay <= TimeSpan.Zero)
            throw new ArgumentException($"{nameof(ReconnectBaseDelay)} must be positive (got {ReconnectBaseDelay}); e.g. 00:00:00.5", nameof(ReconnectBaseDelay));
        if (ReconnectMaxDelay < ReconnectBaseDelay)
            throw new ArgumentException($"{nameof(ReconnectMaxDelay)} ({ReconnectMaxDelay}) must be at least {nameof(ReconnectBaseDelay)} ({ReconnectBaseDelay})", nameof(ReconnectMaxDelay));
        if (BufferFrames < 1)
            throw new ArgumentException($"{nameof(BufferFrames)} must be at least 1 (got {BufferFrames})", nameof(BufferFrames));
    }
}
