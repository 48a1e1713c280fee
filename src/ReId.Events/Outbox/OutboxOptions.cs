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

    /// <summary>
    /// Shortest pause after a failed delivery. The n-th consecutive failure waits a random time between
    /// half and all of min(RetryBaseDelay x 2^n, <see cref="RetryMaxDelay"/>), never less than this.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest pause between delivery attempts, however long the outage.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bound on one delivery attempt (hand over a batch, flush, acknowledge); a longer attempt is
    /// abandoned and retried. A safety net against an inner sink that hangs: keep it above the inner
    /// sink's own bound (Kafka: MessageTimeout + DeliveryReportGrace, 2 min 15 s by default), because an
    /// abandoned attempt leaves its events in flight and the retry sends them again (duplicates, never loss).
    /// </summary>
    public TimeSpan DeliveryAttemptTimeout { get; init; } = TimeSpan.FromMinutes(5);

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
        // Polly's timeout strategy accepts 10 ms to one day.
        if (DeliveryAttemptTimeout < TimeSpan.FromMilliseconds(10) || DeliveryAttemptTimeout > TimeSpan.FromDays(1))
            throw new ArgumentException(
                $"outbox {nameof(DeliveryAttemptTimeout)} must be between 10 ms and 1 day (got {DeliveryAttemptTimeout})",
                nameof(DeliveryAttemptTimeout));
    }
}
