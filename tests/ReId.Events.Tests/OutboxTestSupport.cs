using Microsoft.Extensions.Logging;
using ReId.Core.Events;

namespace ReId.Events.Tests;

/// <summary>A fresh outbox folder per test, removed afterwards.</summary>
internal sealed class OutboxFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reid-outbox-" + Guid.NewGuid().ToString("N")[..8]);

    public string[] Segments() =>
        Directory.Exists(Path) ? Directory.GetFiles(Path, "*.seg").Order(StringComparer.Ordinal).ToArray() : [];

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}

/// <summary>
/// An inner sink whose reachability the test controls. Like Kafka, it confirms or refuses events at flush:
/// an event counts as delivered only when a flush succeeded for it, and a failed flush names the events
/// it failed, which are then the caller's again.
/// </summary>
internal sealed class ScriptedInnerSink : IEventSink
{
    private readonly object _gate = new();
    private readonly List<TrackEvent> _delivered = [];
    private readonly List<TrackEvent> _handed = [];
    private readonly HashSet<string> _failOnce = [];

    public volatile bool Reachable = true;

    public string Describe => "scripted://inner";

    public IReadOnlyList<TrackEvent> Delivered { get { lock (_gate) return _delivered.ToList(); } }

    public int Flushes { get; private set; }

    /// <summary>
    /// The next flush that covers this event refuses it and the later events of its camera in that flush;
    /// later flushes accept them.
    /// </summary>
    public void FailOnce(string eventId)
    {
        lock (_gate)
            _failOnce.Add(eventId);
    }

    public Task CheckReadyAsync(CancellationToken ct) =>
        Reachable ? Task.CompletedTask : throw new EventSinkNotReadyException("scripted inner sink is unreachable");

    public ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
    {
        lock (_gate)
            _handed.Add(trackEvent);
        return ValueTask.CompletedTask;
    }

    public Task FlushAsync(CancellationToken ct)
    {
        List<TrackEvent> failed;
        lock (_gate)
        {
            Flushes++;
            if (!Reachable)
                failed = _handed.ToList();
            else
            {
                // As Kafka keeps a key's events in order, a camera's events after a failed one fail too.
                var failedCameras = new HashSet<string>();
                failed = [];
                foreach (var e in _handed)
                {
                    if (_failOnce.Remove(e.EventId) || failedCameras.Contains(e.CameraId))
                    {
                        failedCameras.Add(e.CameraId);
                        failed.Add(e);
                    }
                }
                _delivered.AddRange(_handed.Except(failed));
            }
            _handed.Clear();
        }
        return failed.Count == 0
            ? Task.CompletedTask
            : Task.FromException(new EventDeliveryException($"{failed.Count} event(s) not delivered to scripted://inner", failed));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
