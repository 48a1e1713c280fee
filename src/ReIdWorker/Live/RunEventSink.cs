using Microsoft.Extensions.Logging;
using ReId.Core.Events;
using ReId.Events;
using ReId.Events.Outbox;

namespace ReIdWorker.Live;

/// <summary>
/// The event sink every camera of <c>reid run</c> publishes to: the outbox in front of Kafka when Kafka is
/// configured (plus the JSONL file when a path is set), else the JSONL file. It counts events per camera,
/// and keeps a camera running when the outbox refuses an event (full disk bound): that event is counted,
/// logged and lost, which docs/outbox.md describes as the policy when the bound is reached; readiness
/// turns false meanwhile so an orchestrator sees it.
/// </summary>
public sealed class RunEventSink(IEventSink inner, OutboxEventSink? outbox, string? storageFolder, ILogger logger) : IEventSink
{
    /// <summary>The folder events are written to (outbox folder, or the JSONL file's folder), for the readiness probe.</summary>
    public string? StorageFolder => storageFolder;

    private long _refused;
    private long _lastRefusalLogTicks;
    private volatile string? _lastRefusal;
    private long _lastRefusalAtTicks;

    public OutboxEventSink? Outbox => outbox;

    public string Describe => inner.Describe;

    /// <summary>Events refused since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Why the latest event was refused, if within the last minute.</summary>
    public string? RecentRefusal =>
        DateTime.UtcNow.Ticks - Interlocked.Read(ref _lastRefusalAtTicks) < TimeSpan.TicksPerMinute ? _lastRefusal : null;

    public Task CheckReadyAsync(CancellationToken ct) => inner.CheckReadyAsync(ct);

    public async ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
    {
        try
        {
            await inner.PublishAsync(trackEvent, ct);
            RunMetrics.Events.WithLabels(trackEvent.CameraId, trackEvent.Type).Inc();
        }
        catch (EventDeliveryException ex)
        {
            Interlocked.Increment(ref _refused);
            RunMetrics.EventErrors.WithLabels(trackEvent.CameraId).Inc();
            _lastRefusal = ex.Message;
            Interlocked.Exchange(ref _lastRefusalAtTicks, DateTime.UtcNow.Ticks);
            // One line per 10 s at most: a full outbox refuses every event.
            long now = Environment.TickCount64;
            long previous = Interlocked.Read(ref _lastRefusalLogTicks);
            if (now - previous > 10_000 && Interlocked.CompareExchange(ref _lastRefusalLogTicks, now, previous) == previous)
                logger.LogError("Track events are being refused ({Refused} so far): {Reason}", Refused, ex.Message);
        }
    }

    public Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>Copies the outbox figures into the metrics just before a scrape.</summary>
    public void UpdateMetrics()
    {
        if (outbox is null) return;
        RunMetrics.OutboxPendingEvents.Set(outbox.PendingEvents);
        RunMetrics.OutboxPendingBytes.Set(outbox.PendingBytes);
        RunMetrics.EventsDelivered.IncTo(outbox.DeliveredTotal);
        RunMetrics.EventSinkDegraded.Set(outbox.LastError is null ? 0 : 1);
    }
}
