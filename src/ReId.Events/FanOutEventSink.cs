using ReId.Core.Events;

namespace ReId.Events;

/// <summary>
/// Publishes every event to several sinks, e.g. the replay's events.jsonl artefact and Kafka.
/// Each sink is flushed even when another fails; the first failure is rethrown.
/// </summary>
public sealed class FanOutEventSink(IReadOnlyList<IEventSink> sinks) : IEventSink
{
    public string Describe => string.Join(" + ", sinks.Select(s => s.Describe));

    public async Task CheckReadyAsync(CancellationToken ct)
    {
        foreach (var s in sinks) await s.CheckReadyAsync(ct);
    }

    public async ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
    {
        foreach (var s in sinks) await s.PublishAsync(trackEvent, ct);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        Exception? first = null;
        foreach (var s in sinks)
        {
            try { await s.FlushAsync(ct); }
            catch (Exception ex) { first ??= ex; }
        }
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }

    /// <summary>Disposes every sink, even when one throws (each may hold a file or a producer).</summary>
    public async ValueTask DisposeAsync()
    {
        Exception? first = null;
        foreach (var s in sinks)
        {
            try { await s.DisposeAsync(); }
            catch (Exception ex) { first ??= ex; }
        }
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }
}
