namespace ReId.Gallery;

/// <summary>How <see cref="ResilientGallery"/> calls the shared gallery and what it keeps while that is unreachable.</summary>
public sealed record ResilientGalleryOptions
{
    /// <summary>
    /// Deadline of one call to the shared gallery. A camera waits at most about this long (plus the fast
    /// retries) before its identity decision falls back to the local cache, so keep it well below a
    /// frame budget's worth of seconds; Qdrant answers a search in milliseconds when healthy.
    /// </summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Quick retries of a call that failed with a transient error (connection refused or reset, server
    /// unavailable). Timeouts are not retried: a server that does not answer in time will not answer
    /// the next attempt either, and the camera is waiting.
    /// </summary>
    public int RetryAttempts { get; init; } = 2;

    /// <summary>First retry pause; it doubles per retry, with jitter so cameras do not retry in step.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Share of failed calls within <see cref="SamplingDuration"/> that opens the circuit.</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>Calls (attempts) needed within <see cref="SamplingDuration"/> before the ratio can open the circuit.</summary>
    public int MinimumThroughput { get; init; } = 4;

    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an open circuit keeps every call away from the shared gallery; then one call probes it.
    /// While open, all answers come from the local cache at no cost to the server.
    /// </summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Exemplars kept in the local cache (about 2 KiB each at 512 dimensions). Beyond it, the exemplar
    /// least recently added or fetched is evicted, so the people seen lately stay.
    /// </summary>
    public int CacheCapacity { get; init; } = 20_000;

    /// <summary>
    /// Writes (adds, removals) held for replay while the shared gallery is unreachable. When full, the
    /// oldest queued write is dropped, counted and logged (docs/gallery-resilience.md). A purge is kept
    /// apart: at most one is queued, the latest, because it covers every earlier one.
    /// </summary>
    public int MaxQueuedWrites { get; init; } = 10_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting and its allowed range.</summary>
    public void Validate()
    {
        // Polly's own limits, stated here so the message names our setting rather than Polly's.
        Require(AttemptTimeout >= TimeSpan.FromMilliseconds(10), nameof(AttemptTimeout), "at least 10 ms", AttemptTimeout);
        Require(RetryAttempts is >= 0 and <= 10, nameof(RetryAttempts), "between 0 and 10", RetryAttempts);
        Require(RetryBaseDelay >= TimeSpan.Zero, nameof(RetryBaseDelay), "zero or positive", RetryBaseDelay);
        Require(FailureRatio is > 0 and <= 1, nameof(FailureRatio), "above 0 and at most 1", FailureRatio);
        Require(MinimumThroughput >= 2, nameof(MinimumThroughput), "at least 2", MinimumThroughput);
        Require(SamplingDuration >= TimeSpan.FromMilliseconds(500), nameof(SamplingDuration), "at least 500 ms", SamplingDuration);
        Require(BreakDuration >= TimeSpan.FromMilliseconds(500), nameof(BreakDuration), "at least 500 ms", BreakDuration);
        Require(CacheCapacity >= 1, nameof(CacheCapacity), "at least 1", CacheCapacity);
        Require(MaxQueuedWrites >= 1, nameof(MaxQueuedWrites), "at least 1", MaxQueuedWrites);
    }

    private static void Require(bool ok, string name, string range, object value)
    {
        if (!ok)
            throw new ArgumentException($"gallery resilience setting {name} must be {range} (got {value})", name);
    }
}
