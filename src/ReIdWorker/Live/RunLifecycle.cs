using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace ReIdWorker.Live;

/// <summary>
/// Registered before the cameras, so it starts first and stops last: once every camera has finished its
/// frame in hand and ended its tracks, it flushes the event sink within what is left of the shutdown
/// bound (the outbox keeps whatever Kafka has not confirmed), saves the gallery and closes the shared stages.
/// </summary>
public sealed class RunLifecycle(RunComponents components, IEnumerable<CameraWorker> cameras, IHostApplicationLifetime lifetime,
    ILogger<RunLifecycle> logger) : IHostedService
{
    /// <summary>Kept for closing the Kafka client and the outbox after the flush.</summary>
    private static readonly TimeSpan CloseReserve = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _sinceStopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = components.Options;
        lifetime.ApplicationStopping.Register(() => _sinceStopping.Start());
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            foreach (var c in cameras) c.UpdateMetrics();
            components.Sink.UpdateMetrics();
        });
        logger.LogInformation(
            "reid run: worker {WorkerId}, shard {Index} of {Count}: {Cameras} of {Total} camera(s) [{CameraIds}]; model {Model} on {Provider}; gallery {Gallery}; events {Sink}; http :{Port}",
            o.WorkerId, o.Shard.Index, o.Shard.Count, components.Cameras.Count, o.Cameras.Count,
            string.Join(", ", components.Cameras.Select(c => c.Id)), components.Embedder.Metadata.Id, components.Embedder.Provider,
            components.Gallery.Describe, components.Sink.Describe, o.Http.Port);
        if (components.Cameras.Count == 0)
            logger.LogWarning("No camera of {Total} falls in shard {Index} of {Count}; this worker idles (check Reid:Shard)",
                o.Cameras.Count, o.Shard.Index, o.Shard.Count);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var bound = TimeSpan.FromSeconds(components.Options.ShutdownTimeoutSeconds);
        var flushBudget = bound - _sinceStopping.Elapsed - CloseReserve;
        if (flushBudget < TimeSpan.FromSeconds(1)) flushBudget = TimeSpan.FromSeconds(1);
        var sink = components.Sink;
        using (var flushTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            flushTimeout.CancelAfter(flushBudget);
            try
            {
                await sink.FlushAsync(flushTimeout.Token);
                logger.LogInformation("Flushed every track event to {Sink}", sink.Describe);
            }
            catch (OperationCanceledException ex)
            {
                // The outbox's message says how many events wait and where; they are delivered by the next start.
                logger.LogWarning("Stopping without delivering every event within {Budget:0.#} s: {Reason}", flushBudget.TotalSeconds, ex.Message);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Flushing track events to {Sink} failed: {Reason}", sink.Describe, ex.Message);
            }
        }

        try
        {
            await components.Gallery.SaveAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Saving the gallery {Gallery} failed: {Reason}", components.Gallery.Describe, ex.Message);
        }

        long? pending = sink.Outbox?.PendingEvents;
        long? delivered = sink.Outbox?.DeliveredTotal;
        await sink.DisposeAsync();
        await components.BatchingEmbedder.DisposeAsync();
        await components.Gallery.DisposeAsync();
        components.Embedder.Dispose();
        if (pending is { } p)
            logger.LogInformation("Stopped in {Seconds:0.0} s: {Delivered} event(s) delivered to Kafka since start, {Pending} left in the outbox for the next start",
                _sinceStopping.Elapsed.TotalSeconds, delivered, p);
        else
            logger.LogInformation("Stopped in {Seconds:0.0} s", _sinceStopping.Elapsed.TotalSeconds);
    }
}
