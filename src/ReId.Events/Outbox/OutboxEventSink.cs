using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using ReId.Core.Events;

namespace ReId.Events.Outbox;

/// <summary>
/// Puts a durable outbox in front of another sink (Kafka): publishing returns once the event is synced to
/// the outbox on disk, and a background loop delivers the outbox to the inner sink in publish order,
/// moving the outbox cursor only past what the inner sink confirmed. While the inner sink is unreachable
/// events wait on disk, across restarts too; disk use is bounded (docs/outbox.md).
/// </summary>
/// <remarks>
/// Delivery is at least once: an event confirmed by the inner sink but not yet acknowledged in the outbox
/// when the worker stops is delivered again after the restart. Consumers de-duplicate by event id.
/// </remarks>
public sealed class OutboxEventSink : IEventSink
{
    /// <summary>Publishers waiting for the disk are synced together, up to this many per fsync.</summary>
    private const int MaxEventsPerSync = 1024;
    private const int PublishQueueCapacity = 4096;
    private static readonly TimeSpan MaxFlushPause = TimeSpan.FromMilliseconds(50);

    private readonly IEventSink _inner;
    private readonly OutboxOptions _options;
    private readonly EventOutbox _outbox;
    private readonly ILogger _logger;

    private readonly Channel<PendingAppend> _publishQueue =
        Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(PublishQueueCapacity) { SingleReader = true });
    /// <summary>Holds at most one "something was appended" signal, so the idle deliverer cannot miss one.</summary>
    private readonly Channel<bool> _appended =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly ResiliencePipeline<DeliveryOutcome> _delivery;
    private readonly Task _appendLoop;
    private readonly Task _deliveryLoop;

    private long _storedTotal;
    private long _deliveredTotal;
    private volatile string? _lastError;
    private int _consecutiveFailures;
    private int _disposed;

    private sealed record PendingAppend(TrackEvent Event, TaskCompletionSource Durable);

    private enum DeliveryOutcome { Delivered, NothingPending, Failed }

    /// <param name="inner">Where events are delivered; this sink owns and disposes it (unless this
    /// constructor throws: then the caller still owns it).</param>
    /// <exception cref="EventSinkNotReadyException">The outbox folder cannot be used.</exception>
    public OutboxEventSink(IEventSink inner, OutboxOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        _inner = inner;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _outbox = new EventOutbox(options, _logger);
        // Events left by a previous run count as stored now, so a flush waits for them too.
        _storedTotal = _outbox.PendingEvents;
        _delivery = BuildDeliveryPipeline();
        _appendLoop = Task.Run(StoreLoopAsync);
        _deliveryLoop = Task.Run(() => DeliveryLoopAsync(_stopping.Token));
    }

    public string Describe => $"{_inner.Describe} (via outbox {_outbox.Directory})";

    /// <summary>Events in the outbox not yet confirmed by the inner sink.</summary>
    public long PendingEvents => _outbox.PendingEvents;

    public long PendingBytes => _outbox.PendingBytes;

    /// <summary>Events confirmed by the inner sink since this sink started.</summary>
    public long DeliveredTotal => Interlocked.Read(ref _deliveredTotal);

    /// <summary>Why the latest delivery attempt failed; null once a delivery succeeds again.</summary>
    public string? LastError => _lastError;

    /// <summary>
    /// Checks the outbox folder can take events. The inner sink being unreachable is not an error here,
    /// riding out that situation is what the outbox is for; it is logged.
    /// </summary>
    public async Task CheckReadyAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        string probe = Path.Combine(_outbox.Directory, ".write-probe");
        try
        {
            await using (var stream = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.WriteByte(0);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EventSinkNotReadyException(
                $"cannot write to event outbox '{_outbox.Directory}' ({ex.Message}); choose a writable folder on persistent storage", ex);
        }

        try
        {
            await _inner.CheckReadyAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _lastError = ex.Message;
            _logger.LogWarning("Event destination not ready at start ({Reason}); events are kept in outbox {Directory} and delivered when it is",
                ex.Message, _outbox.Directory);
        }
    }

    /// <summary>Returns once the event is synced to the outbox; delivery happens in the background.</summary>
    /// <exception cref="EventDeliveryException">The outbox refused the event (full: inner
    /// <see cref="OutboxFullException"/>; or a disk error). The event is not stored; the caller decides.</exception>
    public async ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(trackEvent);
        ThrowIfDisposed();
        var pending = new PendingAppend(trackEvent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await _publishQueue.Writer.WriteAsync(pending, ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(OutboxEventSink));
        }
        // Not cancellable from here on: the append is already under way and takes one disk sync.
        try
        {
            await pending.Durable.Task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw new EventDeliveryException(
                $"track event {trackEvent.EventId} of camera '{trackEvent.CameraId}' was not stored in the event outbox: {ex.Message}",
                [trackEvent], ex);
        }
    }

    /// <summary>
    /// Waits until every event published before this call (and any left from a previous run) is confirmed
    /// by the inner sink. While the inner sink is unreachable that takes as long as the outage, so pass a
    /// token: on cancellation this throws <see cref="OperationCanceledException"/> saying how many events
    /// are still waiting; they stay in the outbox and are not lost.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        long target = Interlocked.Read(ref _storedTotal);
        var pause = TimeSpan.FromMilliseconds(1);
        while (Interlocked.Read(ref _deliveredTotal) < target)
        {
            try
            {
                await Task.Delay(pause, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                long waiting = target - Interlocked.Read(ref _deliveredTotal);
                throw new OperationCanceledException(
                    $"flush cancelled with {waiting} track event(s) not yet delivered to {_inner.Describe} (last error: {LastError ?? "none"}); " +
                    $"they are kept in the event outbox '{_outbox.Directory}' and delivered when it is reachable, also after a restart", ct);
            }
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxFlushPause.Ticks));
        }
    }

    /// <summary>Group commit: every publisher that arrived while the previous sync ran shares the next one.</summary>
    private async Task StoreLoopAsync()
    {
        var reader = _publishQueue.Reader;
        var group = new List<PendingAppend>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < MaxEventsPerSync && reader.TryRead(out var pending))
                group.Add(pending);
            try
            {
                await _outbox.AppendAsync(group.Select(p => p.Event).ToList(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                foreach (var p in group)
                    p.Durable.SetException(ex);
                continue;
            }
            Interlocked.Add(ref _storedTotal, group.Count);
            _appended.Writer.TryWrite(true);
            foreach (var p in group)
                p.Durable.SetResult();
        }
    }

    private async Task DeliveryLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Returns once a batch was delivered or nothing was pending: failures are retried inside.
                DeliveryOutcome outcome = await _delivery.ExecuteAsync(DeliverNextBatchAsync, stopping).ConfigureAwait(false);
                if (outcome == DeliveryOutcome.NothingPending)
                    await _appended.Reader.ReadAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One delivery attempt: reads the outbox from its cursor again each time, so a retry after a partly
    /// confirmed batch resumes at the first unconfirmed event and never re-acknowledges a delivered one.
    /// </summary>
    private async ValueTask<DeliveryOutcome> DeliverNextBatchAsync(CancellationToken attempt)
    {
        OutboxBatch? batch;
        try
        {
            batch = _outbox.ReadPending(_options.DeliveryBatchSize);
        }
        catch (Exception ex)
        {
            // Reading the outbox failed (disk error, corruption): nothing sensible to do but report and retry.
            _lastError = ex.Message;
            _logger.LogError(ex, "Outbox {Directory} could not be read for delivery", _outbox.Directory);
            return DeliveryOutcome.Failed;
        }
        if (batch is null)
            return DeliveryOutcome.NothingPending;
        if (!await TryDeliverAsync(batch, attempt).ConfigureAwait(false))
            return DeliveryOutcome.Failed;

        int failures = Interlocked.Exchange(ref _consecutiveFailures, 0);
        if (failures > 0)
            _logger.LogInformation("Delivery to {Sink} resumed after {Failures} failed attempt(s); {Pending} event(s) still in the outbox",
                _inner.Describe, failures, PendingEvents);
        _lastError = null;
        return DeliveryOutcome.Delivered;
    }

    /// <summary>
    /// Retries a failed delivery for as long as it takes (the events are on disk; giving up would lose
    /// them) after an exponential back-off with jitter, each attempt bounded by
    /// <see cref="OutboxOptions.DeliveryAttemptTimeout"/>.
    /// </summary>
    /// <remarks>
    /// No circuit breaker: the delivery loop is the inner sink's only caller here and already waits
    /// longer after each consecutive failure, up to <see cref="OutboxOptions.RetryMaxDelay"/>; a breaker
    /// would add a second waiting rule on top of that one, and its half-open probe would be what the next
    /// retry already is. Publishing never touches the inner sink, so there is nothing else to shed.
    /// </remarks>
    private ResiliencePipeline<DeliveryOutcome> BuildDeliveryPipeline() =>
        new ResiliencePipelineBuilder<DeliveryOutcome>()
            .AddRetry(new RetryStrategyOptions<DeliveryOutcome>
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = new PredicateBuilder<DeliveryOutcome>()
                    .HandleResult(DeliveryOutcome.Failed)
                    .Handle<TimeoutRejectedException>(),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    RetryDelay(args.AttemptNumber + 1, _options.RetryBaseDelay, _options.RetryMaxDelay, Random.Shared)),
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _consecutiveFailures);
                    if (args.Outcome.Exception is TimeoutRejectedException)
                        _lastError = $"delivery attempt to {_inner.Describe} took longer than {_options.DeliveryAttemptTimeout}";
                    _logger.LogWarning("Delivery to {Sink} failed ({Reason}); {Pending} event(s) wait in the outbox, retrying in {Delay}",
                        _inner.Describe, _lastError, PendingEvents, args.RetryDelay);
                    return default;
                },
            })
            .AddTimeout(_options.DeliveryAttemptTimeout)
            .Build();

    /// <summary>
    /// Hands the batch to the inner sink and waits for its verdict. Acknowledges in the outbox exactly the
    /// leading events the inner sink confirmed; true when all of them were.
    /// </summary>
    private async Task<bool> TryDeliverAsync(OutboxBatch batch, CancellationToken attempt)
    {
        bool handedOver = false;
        try
        {
            foreach (var e in batch.Events)
                await _inner.PublishAsync(e, attempt).ConfigureAwait(false);
            handedOver = true;
            await _inner.FlushAsync(attempt).ConfigureAwait(false);
            Acknowledge(batch);
            return true;
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested)
        {
            // Stopping, or the attempt timed out (the pipeline retries it). Nothing of the batch is
            // acknowledged; a later flush of the inner sink reports what this attempt left in flight.
            throw;
        }
        catch (EventDeliveryException ex) when (handedOver)
        {
            // The flush names what failed; the events before the first failure are delivered. Later ones
            // are re-sent from there, so per-camera order of first arrival holds (repeats are possible).
            var failed = ex.Undelivered.Select(e => e.EventId).ToHashSet();
            int delivered = 0;
            while (delivered < batch.Count && !failed.Contains(batch.Events[delivered].EventId))
                delivered++;
            if (delivered == batch.Count)
            {
                // Only events of an earlier, abandoned attempt failed; this batch re-sent them.
                Acknowledge(batch);
                return true;
            }
            if (delivered > 0)
                Acknowledge(batch.Take(delivered));
            _lastError = ex.Message;
            return false;
        }
        catch (Exception ex)
        {
            // Refused while handing over, or an unexpected failure: nothing of the batch is confirmed.
            _lastError = ex.Message;
            return false;
        }
    }

    private void Acknowledge(OutboxBatch batch)
    {
        _outbox.Acknowledge(batch);
        Interlocked.Add(ref _deliveredTotal, batch.Count);
    }

    /// <summary>
    /// Exponential back-off with jitter, so workers of a site do not all retry in step after an outage:
    /// the n-th consecutive failure waits a random time between half and all of min(base x 2^n, max),
    /// and never less than the base delay. So the first retry waits base..2 x base and the waits double
    /// until they settle between max/2 and max.
    /// </summary>
    internal static TimeSpan RetryDelay(int consecutiveFailures, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        double ceiling = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(consecutiveFailures, 1, 30)), maxDelay.TotalMilliseconds);
        double floor = Math.Max(baseDelay.TotalMilliseconds, ceiling / 2);
        return TimeSpan.FromMilliseconds(floor + (ceiling - floor) * random.NextDouble());
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>
    /// Stores what publishers already handed over, stops delivering, and closes the inner sink and the
    /// outbox. Undelivered events stay in the outbox for the next start.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _publishQueue.Writer.TryComplete();
        await _appendLoop.ConfigureAwait(false);
        _stopping.Cancel();
        await _deliveryLoop.ConfigureAwait(false);
        try
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            long pending = _outbox.PendingEvents;
            if (pending > 0)
                _logger.LogInformation("{Pending} undelivered event(s) stay in outbox {Directory} for the next start", pending, _outbox.Directory);
            _outbox.Dispose();
            _stopping.Dispose();
        }
    }
}
