using ReId.Core.Events;

namespace ReIdWorker.Live;

/// <summary>
/// Sits between the outbox and Kafka and counts what Kafka did not confirm: the outbox retries those
/// events, so they are not lost, but operators want to see the failures.
/// </summary>
public sealed class InstrumentedKafkaSink(IEventSink kafka) : IEventSink
{
    public string Describe => kafka.Describe;

    public Task CheckReadyAsync(CancellationToken ct) => kafka.CheckReadyAsync(ct);

    public async ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
    {
        try { await kafka.PublishAsync(trackEvent, ct); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RunMetrics.KafkaDeliveryErrors.Inc();
            throw;
        }
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        try { await kafka.FlushAsync(ct); }
        catch (EventDeliveryException ex)
        {
            RunMetrics.KafkaDeliveryErrors.Inc(Math.Max(1, ex.Undelivered.Count));
            throw;
        }
    }

    public ValueTask DisposeAsync() => kafka.DisposeAsync();
}
