namespace ReId.Core.Events;

/// <summary>
/// Where track events go (JSONL file, Kafka). Publishing may buffer; <see cref="FlushAsync"/> returns
/// only when every event published so far is durably delivered, and throws
/// <see cref="EventDeliveryException"/> naming what was not.
/// </summary>
public interface IEventSink : IAsyncDisposable
{
    /// <summary>A short description for logs and summaries, e.g. "kafka://host:9092/reid.track-events".</summary>
    string Describe { get; }

    /// <summary>Checks at start-up that the destination is reachable/writable; throws with a fix otherwise.</summary>
    Task CheckReadyAsync(CancellationToken ct);

    ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct);

    Task FlushAsync(CancellationToken ct);
}

/// <summary>Some events could not be delivered; the message says how many and why.</summary>
public sealed class EventDeliveryException(string message, IReadOnlyList<TrackEvent> undelivered, Exception? inner = null)
    : Exception(message, inner)
{
    public IReadOnlyList<TrackEvent> Undelivered { get; } = undelivered;
}
