using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReId.Core.Events;

namespace ReId.Events;

/// <summary>
/// Publishes track events to a Kafka topic: key = camera id (one camera's events stay in one partition,
/// in order), value = schema v1 JSON. The producer is idempotent with acks=all, so client retries neither
/// lose nor duplicate nor reorder events. Every event the client gives up on, or does not answer for in
/// time, is kept and reported by <see cref="FlushAsync"/>; none is dropped silently.
/// </summary>
public sealed class KafkaEventSink : IEventSink
{
    private static readonly TimeSpan MaxQueueFullPause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxFlushPause = TimeSpan.FromMilliseconds(20);

    private readonly KafkaSinkOptions _options;
    private readonly ILogger _logger;
    private readonly IProducer<string, byte[]> _producer;

    /// <summary>Events handed to the client and not yet answered, by publish number.</summary>
    private readonly ConcurrentDictionary<long, TrackEvent> _unconfirmed = new();
    private long _inFlight; // == _unconfirmed.Count, kept apart because that Count takes every lock
    private long _lastPublishNumber;

    private readonly object _failuresGate = new();
    private List<(TrackEvent Event, Error Error)> _failures = [];

    private long _queueFullWaits;
    private volatile Error? _lastClientError;
    private volatile Error? _fatalError;
    private int _disposed;

    public KafkaEventSink(KafkaSinkOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;

        try
        {
            _producer = new ProducerBuilder<string, byte[]>(BuildConfig(options))
                .SetErrorHandler((_, error) => OnClientError(error))
                .SetLogHandler((_, message) => OnClientLog(message))
                .Build();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or KafkaException)
        {
            // librdkafka checks the extra client settings only here; say which sink they belong to.
            throw new ArgumentException($"Kafka client settings for {Describe} are invalid: {ex.Message}", nameof(options), ex);
        }
    }

    private static ProducerConfig BuildConfig(KafkaSinkOptions options)
    {
        var config = new ProducerConfig
        {
            ClientId = options.ClientId ?? $"reid-worker-{Environment.MachineName}",
            CompressionType = CompressionType.Lz4,
            LingerMs = options.Linger.TotalMilliseconds,
            QueueBufferingMaxMessages = options.QueueCapacity,
            // The Java client's partitioner: a camera lands on the same partition whichever client
            // (a Kafka Streams job, a replay tool) produces its events.
            Partitioner = Confluent.Kafka.Partitioner.Murmur2Random,
            // Delivery reports only need the outcome; the event itself is kept by the sink.
            DeliveryReportFields = "status",
        };
        // librdkafka 2.16 re-bootstraps when every broker is down, and a partition first used at that
        // moment can be handed to a broker being torn down: its events then get no delivery report at all
        // until the cluster is back (seen against the mock cluster in about one outage in five). Without
        // re-bootstrap the client keeps reconnecting to the brokers it knows and times events out on time.
        config.Set("metadata.recovery.strategy", "none");

        foreach (var (key, value) in options.ClientConfig)
            config.Set(key, value);

        // The guarantees, last so that nothing above can weaken them (Validate refuses them in ClientConfig).
        config.BootstrapServers = options.BootstrapServers;
        // Idempotence makes retries after a lost acknowledgement neither duplicate nor reorder events; it
        // implies acks=all, stated explicitly because losing an event on leader failover is the failure we
        // most need to avoid.
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        config.MessageTimeoutMs = (int)Math.Min(int.MaxValue, options.MessageTimeout.TotalMilliseconds);
        return config;
    }

    public string Describe => $"kafka://{_options.BootstrapServers}/{_options.Topic}";

    /// <summary>Events handed to the client whose delivery is not yet confirmed or refused.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>
    /// How often publishing had to wait because the client's queue was full: the brokers or the network
    /// cannot keep up (or are down). A back-pressure metric.
    /// </summary>
    public long QueueFullWaits => Interlocked.Read(ref _queueFullWaits);

    public async Task CheckReadyAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        // Ask through the producer's own connection so the check uses exactly its settings (TLS, SASL).
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        Metadata metadata;
        try
        {
            // Not abandoned on cancellation: the admin client must outlive the call, which is bounded anyway.
            metadata = await Task.Run(() => admin.GetMetadata(_options.ReadyTimeout), CancellationToken.None);
        }
        catch (KafkaException ex)
        {
            throw Unreachable(_lastClientError?.Reason ?? ex.Error.Reason, ex);
        }
        ct.ThrowIfCancellationRequested();
        if (metadata.Brokers.Count == 0)
            throw Unreachable("no brokers in the cluster metadata", null);

        var topic = metadata.Topics.FirstOrDefault(t => t.Topic == _options.Topic);
        if (topic is null || topic.Error.IsError)
            _logger.LogWarning(
                "Kafka topic {Topic} does not exist at {Bootstrap}; events create it only if the brokers allow auto-creation, otherwise they fail after {MessageTimeout}",
                _options.Topic, _options.BootstrapServers, _options.MessageTimeout);
        else
            _logger.LogInformation("Kafka ready: {Sink} ({Brokers} brokers, {Partitions} partitions)",
                Describe, metadata.Brokers.Count, topic.Partitions.Count);
    }

    /// <summary>
    /// Hands the event to the client and returns; delivery is confirmed asynchronously (see
    /// <see cref="FlushAsync"/>). When the client's queue is full this waits for room rather than
    /// failing or blocking a thread, until <paramref name="ct"/> is cancelled.
    /// </summary>
    /// <exception cref="EventDeliveryException">The client refused the event outright (too large, fatal
    /// producer error).</exception>
    public async ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(trackEvent);
        ThrowIfDisposed();
        var message = new Message<string, byte[]>
        {
            Key = trackEvent.CameraId,
            Value = TrackEventJson.SerializeToUtf8(trackEvent),
        };
        long number = Interlocked.Increment(ref _lastPublishNumber);

        var pause = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            // Registered before Produce: the delivery report may arrive before Produce returns.
            _unconfirmed[number] = trackEvent;
            Interlocked.Increment(ref _inFlight);
            try
            {
                _producer.Produce(_options.Topic, message, report => OnDelivered(number, report));
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                Unregister(number);
                Interlocked.Increment(ref _queueFullWaits);
                // The client's own thread drains the queue as the brokers acknowledge; just give it time.
                await Task.Delay(pause, ct).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxQueueFullPause.Ticks));
            }
            catch (ProduceException<string, byte[]> ex)
            {
                Unregister(number);
                // After a fatal error the refusal itself only says "Local: Fatal error"; name the cause.
                Error cause = _fatalError ?? ex.Error;
                throw new EventDeliveryException(
                    $"track event {trackEvent.EventId} of camera '{trackEvent.CameraId}' was refused by the Kafka client for {Describe}: {cause.Reason} ({cause.Code})",
                    [trackEvent], ex);
            }
            catch
            {
                Unregister(number);
                throw;
            }
        }
    }

    /// <summary>
    /// Waits until every event published so far is acknowledged by the brokers or given up by the client
    /// (after <see cref="KafkaSinkOptions.MessageTimeout"/>, plus at most
    /// <see cref="KafkaSinkOptions.DeliveryReportGrace"/> for a late verdict). Throws
    /// <see cref="EventDeliveryException"/> with every event given up or left unanswered since the previous
    /// flush; those are then considered reported and the caller owns them (retry, outbox). An unanswered
    /// event may still arrive later: consumers de-duplicate by event id. Cancellation leaves unconfirmed
    /// events in flight; a later flush reports them.
    /// </summary>
    public Task FlushAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        return FlushCoreAsync(ct);
    }

    private async Task FlushCoreAsync(CancellationToken ct)
    {
        // Waits on our own count rather than the blocking producer.Flush: during an outage that call would
        // hold a thread-pool thread for the whole message timeout, and a 2-core edge box with one pipeline
        // per camera has few to spare. The count also covers the moment after librdkafka's queue is empty
        // but the last delivery handler has not yet recorded its result.
        TimeSpan bound = _options.MessageTimeout + _options.DeliveryReportGrace;
        var waited = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(1);
        while (Interlocked.Read(ref _inFlight) > 0)
        {
            if (waited.Elapsed >= bound)
            {
                GiveUpOnUnconfirmed(waited.Elapsed);
                break;
            }
            await Task.Delay(pause, ct).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxFlushPause.Ticks));
        }
        ThrowIfAnyUndelivered();
    }

    private void GiveUpOnUnconfirmed(TimeSpan waited)
    {
        var unanswered = new Error(ErrorCode.Local_MsgTimedOut,
            $"no delivery report from the Kafka client within {waited.TotalSeconds:0.#} s");
        int count = 0;
        foreach (long number in _unconfirmed.Keys)
        {
            // A report racing with us wins or loses atomically here; either way the event is reported once.
            if (!_unconfirmed.TryRemove(number, out var trackEvent))
                continue;
            lock (_failuresGate)
                _failures.Add((trackEvent, unanswered));
            Interlocked.Decrement(ref _inFlight);
            count++;
        }
        _logger.LogError("{Count} track event(s) got no delivery report from the Kafka client for {Sink} within {Waited}",
            count, Describe, waited);
    }

    private void ThrowIfAnyUndelivered()
    {
        List<(TrackEvent Event, Error Error)> failed;
        lock (_failuresGate)
        {
            if (_failures.Count == 0)
                return;
            failed = _failures;
            _failures = [];
        }

        Error first = failed[0].Error;
        int otherReasons = failed.Select(f => f.Error.Reason).Distinct().Count() - 1;
        string others = otherReasons > 0 ? $" and {otherReasons} other reason(s)" : "";
        throw new EventDeliveryException(
            $"{failed.Count} track event(s) were not delivered to {Describe}; first error: {first.Reason} ({first.Code}){others}",
            failed.Select(f => f.Event).ToList());
    }

    private void OnDelivered(long number, DeliveryReport<string, byte[]> report)
    {
        // Runs on the client's poll thread: record and return, never throw. Absent means a flush already
        // reported the event as unanswered; this late verdict changes nothing for the caller.
        if (!_unconfirmed.TryRemove(number, out var trackEvent))
            return;
        if (report.Error.IsError)
            lock (_failuresGate)
                _failures.Add((trackEvent, report.Error));
        Interlocked.Decrement(ref _inFlight);
    }

    private void Unregister(long number)
    {
        if (_unconfirmed.TryRemove(number, out _))
            Interlocked.Decrement(ref _inFlight);
    }

    private void OnClientError(Error error)
    {
        _lastClientError = error;
        if (error.IsFatal)
        {
            // After a fatal error the producer refuses every event; PublishAsync reports that per event.
            _fatalError = error;
            _logger.LogCritical("Kafka producer for {Sink} failed fatally: {Reason} ({Code})", Describe, error.Reason, error.Code);
        }
        else
        {
            // librdkafka recovers from these on its own (reconnects, retries); only undelivered events matter.
            _logger.LogWarning("Kafka client for {Sink}: {Reason} ({Code})", Describe, error.Reason, error.Code);
        }
    }

    private void OnClientLog(LogMessage message)
    {
        LogLevel level = message.Level switch
        {
            // Client-side "errors" in logs are mostly connection attempts it retries itself; real failures
            // surface as undelivered events or fatal errors.
            <= SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        _logger.Log(level, "librdkafka {Facility} {Name}: {Message}", message.Facility, message.Name, message.Message);
    }

    private EventSinkNotReadyException Unreachable(string reason, Exception? inner) =>
        new($"Kafka at '{_options.BootstrapServers}' is unreachable ({reason}); check --kafka or start the broker", inner);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>
    /// Waits up to <see cref="KafkaSinkOptions.DisposeFlushTimeout"/> for unconfirmed events, logs any that
    /// were not delivered (call <see cref="FlushAsync"/> first to get them as an exception), then closes
    /// the client.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        using (var timeout = new CancellationTokenSource(_options.DisposeFlushTimeout))
        {
            try
            {
                await FlushCoreAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _logger.LogError("{Count} track event(s) were still unconfirmed by {Sink} after {Timeout}; they may be lost (event ids {EventIds})",
                    InFlight, Describe, _options.DisposeFlushTimeout, string.Join(",", _unconfirmed.Values.Take(20).Select(e => e.EventId)));
            }
            catch (EventDeliveryException ex)
            {
                _logger.LogError("{Message} (event ids {EventIds})", ex.Message,
                    string.Join(",", ex.Undelivered.Take(20).Select(e => e.EventId)));
            }
        }
        _producer.Dispose();
    }
}
