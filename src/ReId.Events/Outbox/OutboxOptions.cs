namespace ReId.Events.Outbox;

/// <summary>Where the outbox keeps undelivered track events and how it retries delivery.</summary>
public sealed record OutboxOptions
{
    /// <summary>A folder owned by one worker; it survives restarts (a volume, not a container layer).</summary>
    public required string Directory { get; init; }

    /// <summary>
    /// Disk the outbox may use. When full, new events are refused (see docs/outbox.md): dropping events
    /// already accepted would break the no-loss promise, so the caller is told instead.
    /// </summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Size at which a new segment file is started. Only whole segments are deleted once delivered, so
    /// this is also roughly the disk still held by delivered events.
    /// </summary>
    public long SegmentBytes { get; init; } = 16L << 20;

    /// <summary>Events handed to the inner sink per delivery attempt (then flushed and acknowledged together).</summary>
    public int DeliveryBatchSize { get; init; } = 500;

    /// <summary>First pause after a failed delivery; it doubles per consecutive failure up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
            throw new ArgumentException("outbox directory is empty; give a folder on persistent storage", nameof(Directory));
        if (SegmentBytes < 4096)
            throw new ArgumentException($"outbox {nameof(SegmentBytes)} must be at least 4096 (got {SegmentBytes})", nameof(SegmentBytes));
        if (MaxBytes < SegmentBytes)
            throw new ArgumentException(
                $"outbox {nameof(MaxBytes)} ({MaxBytes}) must be at least {nameof(SegmentBytes)} ({SegmentBytes})", nameof(MaxBytes));
        if (DeliveryBatchSize < 1)
            throw new ArgumentException($"outbox {nameof(DeliveryBatchSize)} must be at least 1 (got {DeliveryBatchSize})", nameof(DeliveryBatchSize));
        if (RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
            throw new ArgumentException(
                $"outbox retry delays must be positive with {nameof(RetryMaxDelay)} >= {nameof(RetryBaseDelay)} (got {RetryBaseDelay}, {RetryMaxDelay})",
                nameof(RetryBaseDelay));
    }
}
