using ReId.Core.Events;

namespace ReId.Events.Outbox;

/// <summary>
/// Events read from the outbox, oldest first, with where each one ends in the log so that a delivery
/// that succeeded only in part can acknowledge exactly the part that succeeded.
/// </summary>
public sealed class OutboxBatch
{
    private readonly OutboxPosition[] _ends;
    private readonly long[] _bytes;

    internal OutboxBatch(IReadOnlyList<TrackEvent> events, OutboxPosition[] ends, long[] bytes)
    {
        Events = events;
        _ends = ends;
        _bytes = bytes;
    }

    public IReadOnlyList<TrackEvent> Events { get; }

    public int Count => Events.Count;

    /// <summary>The position just after the last event: where reading resumes once this batch is acknowledged.</summary>
    public OutboxPosition End => _ends[^1];

    /// <summary>Record bytes (frames included) the batch occupies in the log.</summary>
    public long Bytes => _bytes.Sum();

    /// <summary>The first <paramref name="count"/> events, for acknowledging a partly delivered batch.</summary>
    public OutboxBatch Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        return count == Count ? this : new OutboxBatch(Events.Take(count).ToList(), _ends[..count], _bytes[..count]);
    }
}
