using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using ReId.Core.Gallery;

namespace ReId.Gallery;

/// <summary>
/// Keeps identity decisions going while the shared gallery (Qdrant) comes and goes. Every call to it
/// goes through one Polly pipeline (fast retries with jitter for transient errors, a circuit breaker,
/// a per-attempt timeout). When it cannot answer, searches run against a local cache of every exemplar
/// this worker added or fetched and are marked degraded, and writes are applied to that cache and
/// queued; when it answers again the queue is replayed in order before anything else is written.
/// docs/gallery-resilience.md describes the guarantees and the metrics.
/// </summary>
/// <remarks>
/// Writes (and replay) are serialised by one gate, which is what keeps them in order; searches do not
/// take it unless writes wait to be replayed, and then they do not wait for it. Start-up succeeds with
/// the shared gallery unreachable (the worker starts degraded); a store that answers but is unusable
/// (another dimension, a refused key) still fails start-up, because waiting would not fix it.
/// </remarks>
public sealed class ResilientGallery : IDegradableGallery
{
    public const string MeterName = "ReId.Gallery";

    private readonly IGallery _shared;
    private readonly ResilientGalleryOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly LocalExemplarCache _cache;
    private readonly GalleryWriteQueue _queue;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly KeyValuePair<string, object?> _galleryTag;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _degradedSearches;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _dropped;

    private volatile int _dimension;
    /// <summary>The shared gallery is prepared (EnsureReadyAsync succeeded since its last failure).</summary>
    private volatile bool _sharedReady;
    /// <summary>The last call to the shared gallery succeeded and nothing waits to be replayed.</summary>
    private volatile bool _healthy;
    private long _droppedThisOutage;
    /// <summary>Stopwatch timestamp at which the open circuit's break ends.</summary>
    private long _openUntil;

    /// <param name="shared">The gallery to protect (normally <see cref="QdrantGallery"/>); this object owns and disposes it.</param>
    /// <param name="meterFactory">The host's factory, so its metrics exporter sees the meter; a private meter otherwise.</param>
    public ResilientGallery(IGallery shared, ResilientGalleryOptions options, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(shared);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _shared = shared;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _cache = new LocalExemplarCache(options.CacheCapacity);
        _queue = new GalleryWriteQueue(options.MaxQueuedWrites);
        _pipeline = BuildPipeline();

        // A factory hands out one shared meter per name and disposes it itself; only a private one is ours.
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _galleryTag = new("gallery", shared.Describe);
        _duration = _meter.CreateHistogram<double>("reid.gallery.call.duration", "s",
            "Duration of calls to the shared gallery, retries included");
        _errors = _meter.CreateCounter<long>("reid.gallery.errors", "{error}",
            "Calls to the shared gallery that failed (after retries) or were refused by the open circuit");
        _degradedSearches = _meter.CreateCounter<long>("reid.gallery.degraded_searches", "{search}",
            "Searches answered from the local cache because the shared gallery was unreachable");
        _replayed = _meter.CreateCounter<long>("reid.gallery.writes.replayed", "{write}",
            "Queued writes replayed to the shared gallery after an outage");
        _dropped = _meter.CreateCounter<long>("reid.gallery.writes.dropped", "{write}",
            "Queued writes dropped because the queue was full (oldest first)");
        _meter.CreateObservableGauge("reid.gallery.writes.queued", () => new Measurement<int>(QueuedWrites, _galleryTag),
            "{write}", "Writes waiting for the shared gallery");
        _meter.CreateObservableGauge("reid.gallery.degraded", () => new Measurement<int>(IsDegraded ? 1 : 0, _galleryTag),
            null, "1 while identity decisions run against the local cache");
        _meter.CreateObservableGauge("reid.gallery.cache.exemplars", () => new Measurement<int>(_cache.Count, _galleryTag),
            "{exemplar}", "Exemplars in the local cache");
        _meter.CreateObservableCounter("reid.gallery.cache.evictions", () => new Measurement<long>(_cache.Evicted, _galleryTag),
            "{exemplar}", "Exemplars evicted from the local cache to respect its capacity");
    }

    public string Describe => _shared.Describe + " (local cache while unreachable)";

    /// <summary>True while the shared gallery is unreachable, or writes made meanwhile wait to be replayed.</summary>
    public bool IsDegraded => !_healthy || _queue.Count > 0;

    /// <summary>Writes waiting for the shared gallery.</summary>
    public int QueuedWrites => _queue.Count;

    /// <summary>Exemplars in the local cache.</summary>
    public int CachedExemplars => _cache.Count;

    /// <summary>The circuit breaker's state, for health reporting ("Closed", "Open", "HalfOpen").</summary>
    public CircuitState Circuit => _circuit.CircuitState;

    /// <summary>
    /// Prepares the shared gallery. Unreachable is not an error here: the worker starts degraded and the
    /// shared gallery is prepared on the first call after it answers. A store that answers but cannot be
    /// used (dimension, distance, refused key) throws, because waiting would not fix it.
    /// </summary>
    public async Task EnsureReadyAsync(int dimension, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (_dimension != 0 && _dimension != dimension)
            throw new GalleryUnavailableException(
                $"{Describe} is open with {_dimension}-d vectors but the model makes {dimension}-d; use one model per gallery");
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await ExecuteAsync("ensure_ready", c => _shared.EnsureReadyAsync(dimension, c), ct).ConfigureAwait(false);
            _dimension = dimension;
            _sharedReady = true;
            _healthy = _queue.Count == 0;
        }
        catch (Exception e) when (IsUnreachable(e, ct) && !IsConfigurationError(e))
        {
            _dimension = dimension;
            _sharedReady = _healthy = false;
            _logger.LogWarning("Shared gallery {Gallery} unreachable at start ({Reason}); starting degraded: identity decisions use " +
                               "the local cache and are provisional, writes are queued until it answers", _shared.Describe, Reason(e));
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task<IReadOnlyList<GalleryMatch>> SearchAsync(GalleryQuery query, CancellationToken ct) =>
        (await SearchWithStatusAsync(query, ct).ConfigureAwait(false)).Matches;

    public async Task<GallerySearchResult> SearchWithStatusAsync(GalleryQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query.Limit));
        ArgumentNullException.ThrowIfNull(query.ModelVersion, nameof(query.ModelVersion));
        float[] probe = Unit(query.Embedding, "query embedding");

        // A search must see what this worker wrote meanwhile, so queued writes go first; but it does
        // not wait behind another camera's write or replay: it answers from the cache instead.
        if (await ReadyForSharedCallAsync(waitForGate: false, ct).ConfigureAwait(false))
        {
            try
            {
                IReadOnlyList<GalleryMatch> matches = await ExecuteAsync("search", c => _shared.SearchAsync(query, c), ct)
                    .ConfigureAwait(false);
                foreach (GalleryMatch match in matches)
                    _cache.Put(UnitCopy(match.Exemplar));
                return new GallerySearchResult(matches, Degraded: false);
            }
            catch (Exception e) when (IsUnreachable(e, ct))
            {
                MarkDegraded("searching", e);
            }
        }
        _degradedSearches.Add(1, _galleryTag);
        return new GallerySearchResult(_cache.Search(query, probe), Degraded: true);
    }

    public Task AddAsync(Exemplar exemplar, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(exemplar);
        ArgumentNullException.ThrowIfNull(exemplar.ModelVersion, nameof(exemplar.ModelVersion));
        Exemplar unit = UnitCopy(exemplar);
        return WriteAsync(new QueuedAdd(exemplar), () => _cache.Put(unit), ct);
    }

    public Task RemoveAsync(IReadOnlyCollection<Guid> exemplarIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(exemplarIds);
        RequireReady();
        if (exemplarIds.Count == 0)
            return Task.CompletedTask;
        List<Guid> ids = exemplarIds.ToList();
        return WriteAsync(new QueuedRemove(ids), () => _cache.Remove(ids), ct);
    }

    /// <summary>
    /// Purges both stores. While the shared gallery is unreachable the count is the local cache's and
    /// the purge is queued (at most one, the latest cutoff), because retention must reach the shared store.
    /// </summary>
    public async Task<int> PurgeSeenBeforeAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        RequireReady();
        int sharedPurged = -1;
        int cachePurged = 0;
        await WriteAsync(new QueuedPurge(cutoff), () => cachePurged = _cache.PurgeSeenBefore(cutoff), ct,
            async c => sharedPurged = await _shared.PurgeSeenBeforeAsync(cutoff, c).ConfigureAwait(false)).ConfigureAwait(false);
        return sharedPurged >= 0 ? sharedPurged : cachePurged;
    }

    /// <summary>A person's exemplars from the shared gallery, or from the local cache while it is unreachable.</summary>
    public async Task<IReadOnlyList<Exemplar>> GetExemplarsAsync(string personId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(personId);
        RequireReady();
        if (await ReadyForSharedCallAsync(waitForGate: false, ct).ConfigureAwait(false))
        {
            try
            {
                IReadOnlyList<Exemplar> found = await ExecuteAsync("get_exemplars", c => _shared.GetExemplarsAsync(personId, c), ct)
                    .ConfigureAwait(false);
                _cache.ReplacePerson(personId, found.Select(UnitCopy).ToList());
                return found;
            }
            catch (Exception e) when (IsUnreachable(e, ct))
            {
                MarkDegraded("reading a person's exemplars", e);
            }
        }
        return _cache.OfPerson(personId);
    }

    /// <summary>The shared gallery's count, or the local cache's (what this worker knows) while it is unreachable.</summary>
    public async Task<long> CountAsync(CancellationToken ct)
    {
        RequireReady();
        if (await ReadyForSharedCallAsync(waitForGate: false, ct).ConfigureAwait(false))
        {
            try
            {
                return await ExecuteAsync("count", c => _shared.CountAsync(c), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsUnreachable(e, ct))
            {
                MarkDegraded("counting", e);
            }
        }
        return _cache.Count;
    }

    /// <summary>Saves the shared gallery when it is reachable; queued writes are not durable (see the docs).</summary>
    public async Task SaveAsync(CancellationToken ct)
    {
        if (!await ReadyForSharedCallAsync(waitForGate: true, ct).ConfigureAwait(false))
            return;
        try
        {
            await ExecuteAsync("save", c => _shared.SaveAsync(c), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnreachable(e, ct))
        {
            MarkDegraded("saving", e);
        }
    }

    /// <summary>
    /// Replays queued writes now if the shared gallery answers (the worker may call this from a timer so
    /// an idle camera does not keep writes waiting). True when nothing waits and the shared gallery answered.
    /// </summary>
    public Task<bool> TryRecoverAsync(CancellationToken ct) => ReadyForSharedCallAsync(waitForGate: true, ct);

    public async ValueTask DisposeAsync()
    {
        if (_queue.Count > 0 && _dimension != 0)
        {
            // One last chance for writes made during an outage, bounded so a stop is not held up by Qdrant.
            using var last = new CancellationTokenSource(_options.AttemptTimeout * 2);
            try
            {
                await TryRecoverAsync(last.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogDebug("Last replay to {Gallery} before stopping did not finish ({Reason})", _shared.Describe, Reason(e));
            }
        }
        int queued = _queue.Count;
        if (queued > 0)
            _logger.LogWarning("{Queued} gallery write(s) for {Gallery} were never replayed (it stayed unreachable); " +
                               "this worker's exemplars since the outage are missing there", queued, _shared.Describe);
        await _shared.DisposeAsync().ConfigureAwait(false);
        _writeGate.Dispose();
        if (_ownsMeter)
            _meter.Dispose();
    }

    /// <summary>
    /// Applies a write: to the shared gallery when it answers (after the queue, to keep order), always to
    /// the cache; queued when the shared gallery is unreachable.
    /// </summary>
    private async Task WriteAsync(QueuedGalleryWrite write, Action applyToCache, CancellationToken ct,
        Func<CancellationToken, Task>? applyToShared = null)
    {
        RequireReady();
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (await RecoverLockedAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await ExecuteAsync(write.Operation, applyToShared ?? (c => write.ApplyAsync(_shared, c)), ct).ConfigureAwait(false);
                    applyToCache();
                    return;
                }
                catch (Exception e) when (IsUnreachable(e, ct))
                {
                    MarkDegraded(write.Operation switch { "add" => "adding an exemplar", "remove" => "removing exemplars", _ => "purging" }, e);
                }
            }
            applyToCache();
            Enqueue(write);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private void Enqueue(QueuedGalleryWrite write)
    {
        QueuedGalleryWrite? dropped = _queue.Enqueue(write);
        if (dropped is null)
            return;
        _dropped.Add(1, _galleryTag);
        if (Interlocked.Increment(ref _droppedThisOutage) == 1)
            _logger.LogWarning("Gallery write queue for {Gallery} is full ({Capacity} writes): dropped the oldest ({Dropped}); " +
                               "further drops are counted (reid.gallery.writes.dropped) and summed up when it answers again",
                _shared.Describe, _options.MaxQueuedWrites, dropped);
    }

    /// <summary>
    /// True when a call may go to the shared gallery now: it answered last time and nothing is queued, or
    /// recovery (prepare, replay) just succeeded. Never calls it while the circuit is open.
    /// </summary>
    private async Task<bool> ReadyForSharedCallAsync(bool waitForGate, CancellationToken ct)
    {
        RequireReady();
        if (_healthy && _queue.Count == 0)
            return true;
        if (IsCircuitOpen)
            return false;
        if (waitForGate)
            await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        else if (!await _writeGate.WaitAsync(0, ct).ConfigureAwait(false))
            return false;
        try
        {
            return await RecoverLockedAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Under the write gate: prepares the shared gallery if needed and replays the queue in order.</summary>
    private async Task<bool> RecoverLockedAsync(CancellationToken ct)
    {
        if (_healthy && _queue.Count == 0)
            return true;
        if (IsCircuitOpen)
            return false;
        try
        {
            if (!_sharedReady)
            {
                // Also recreates the collection and its indexes if Qdrant came back without its storage.
                await ExecuteAsync("ensure_ready", c => _shared.EnsureReadyAsync(_dimension, c), ct).ConfigureAwait(false);
                _sharedReady = true;
            }
            int replayed = 0;
            while (_queue.TryPeek(out QueuedGalleryWrite write))
            {
                await ExecuteAsync("replay_" + write.Operation, c => write.ApplyAsync(_shared, c), ct).ConfigureAwait(false);
                _queue.RemoveFront(write);
                replayed++;
                _replayed.Add(1, _galleryTag);
            }
            bool wasDegraded = !_healthy;
            _healthy = true;
            long dropped = Interlocked.Exchange(ref _droppedThisOutage, 0);
            if (wasDegraded || replayed > 0)
                _logger.LogInformation("Shared gallery {Gallery} answers again: replayed {Replayed} queued write(s) in order" +
                                       "{Dropped}; searches use it again", _shared.Describe, replayed,
                    dropped > 0 ? $" ({dropped} dropped while the queue was full)" : "");
            return true;
        }
        catch (Exception e) when (IsUnreachable(e, ct))
        {
            MarkDegraded(_sharedReady ? "replaying queued writes" : "preparing", e);
            return false;
        }
    }

    private void MarkDegraded(string doing, Exception e)
    {
        // Whatever failed, the store may have lost its collection meanwhile: prepare it again on recovery.
        _sharedReady = false;
        bool wasHealthy = _healthy;
        _healthy = false;
        if (wasHealthy)
            _logger.LogWarning("Shared gallery {Gallery} unreachable while {Doing} ({Reason}); identity decisions use the local cache " +
                               "({Cached} exemplars) and are provisional, writes are queued ({Queued})",
                _shared.Describe, doing, Reason(e), _cache.Count, _queue.Count);
        else
            _logger.LogDebug("Shared gallery {Gallery} still unreachable while {Doing} ({Reason})", _shared.Describe, doing, Reason(e));
    }

    private async Task<T> ExecuteAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            T result = await _pipeline.ExecuteAsync(async c => await call(c).ConfigureAwait(false), ct).ConfigureAwait(false);
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _galleryTag, new("operation", operation), new("outcome", "ok"));
            return result;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            string kind = e switch
            {
                BrokenCircuitException => "circuit_open",
                TimeoutRejectedException => "timeout",
                _ when IsConfigurationError(e) => "refused",
                _ when IsUnreachable(e, ct) => "unreachable",
                _ => "other",
            };
            if (e is not BrokenCircuitException)
                _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _galleryTag, new("operation", operation), new("outcome", "error"));
            _errors.Add(1, _galleryTag, new("operation", operation), new("kind", kind));
            throw;
        }
    }

    private Task ExecuteAsync(string operation, Func<CancellationToken, Task> call, CancellationToken ct) =>
        ExecuteAsync(operation, async c =>
        {
            await call(c).ConfigureAwait(false);
            return true;
        }, ct);

    /// <summary>
    /// Retry outside the breaker (each attempt counts towards opening it, and an open circuit is not
    /// retried), the timeout innermost (it bounds one attempt, not the retries).
    /// </summary>
    private ResiliencePipeline BuildPipeline()
    {
        var builder = new ResiliencePipelineBuilder();
        if (_options.RetryAttempts > 0)
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = _options.RetryAttempts,
                Delay = _options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e =>
                e is TimeoutRejectedException || (e is not OperationCanceledException && IsUnreachable(e, CancellationToken.None))),
            FailureRatio = _options.FailureRatio,
            MinimumThroughput = _options.MinimumThroughput,
            SamplingDuration = _options.SamplingDuration,
            BreakDuration = _options.BreakDuration,
            StateProvider = _circuit,
            OnOpened = args =>
            {
                Volatile.Write(ref _openUntil, Stopwatch.GetTimestamp() + (long)(args.BreakDuration.TotalSeconds * Stopwatch.Frequency));
                _logger.LogWarning("Circuit to shared gallery {Gallery} opened for {Break}: no calls until then ({Reason})",
                    _shared.Describe, args.BreakDuration, args.Outcome.Exception is { } e ? Reason(e) : "failed");
                return default;
            },
            OnHalfOpened = _ =>
            {
                _logger.LogDebug("Circuit to shared gallery {Gallery} half-open: probing it with the next call", _shared.Describe);
                return default;
            },
            OnClosed = _ =>
            {
                _logger.LogInformation("Circuit to shared gallery {Gallery} closed", _shared.Describe);
                return default;
            },
        });
        builder.AddTimeout(_options.AttemptTimeout);
        return builder.Build();
    }

    /// <summary>
    /// Open and within its break. Polly reports Open until a call tries it after the break (that call
    /// then becomes the half-open probe), so the break's end is kept here: after it, calls go through
    /// Polly again and the first one probes; concurrent ones are refused by Polly without reaching the server.
    /// </summary>
    private bool IsCircuitOpen =>
        _circuit.CircuitState is CircuitState.Isolated
        || (_circuit.CircuitState is CircuitState.Open && Stopwatch.GetTimestamp() < Volatile.Read(ref _openUntil));

    /// <summary>
    /// The shared gallery could not answer this call: unreachable, timed out, refused by the open circuit,
    /// or failing on the server. Argument errors and the caller's own cancellation are not this.
    /// </summary>
    private static bool IsUnreachable(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is GalleryUnavailableException or BrokenCircuitException or TimeoutRejectedException
            or RpcException or HttpRequestException or IOException or SocketException or OperationCanceledException;

    /// <summary>Worth a quick retry: the connection failed or the server said try again; not a timeout.</summary>
    private static bool IsTransient(Exception e)
    {
        Exception cause = e is GalleryUnavailableException { InnerException: { } inner } ? inner : e;
        return cause switch
        {
            RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.Aborted or StatusCode.ResourceExhausted
                or StatusCode.Internal or StatusCode.Unknown,
            HttpRequestException or IOException or SocketException => true,
            _ => false,
        };
    }

    /// <summary>The store answered but cannot be used as configured: waiting will not fix it.</summary>
    private static bool IsConfigurationError(Exception e) => e switch
    {
        GalleryUnavailableException { InnerException: null } => true, // dimension, distance, named vectors, foreign points
        GalleryUnavailableException { InnerException: RpcException rpc } =>
            rpc.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.InvalidArgument,
        _ => false,
    };

    private static string Reason(Exception e) => e switch
    {
        BrokenCircuitException => "circuit open",
        TimeoutRejectedException t => $"no answer within {t.Timeout.TotalSeconds:0.###} s",
        _ => e.Message.ReplaceLineEndings(" "),
    };

    private void RequireReady()
    {
        if (_dimension == 0)
            throw new InvalidOperationException($"{Describe}: call EnsureReadyAsync before using the gallery");
    }

    private float[] Unit(float[] vector, string what)
    {
        RequireReady();
        float norm = EmbeddingCheck.Norm(vector, _dimension, what, Describe);
        var unit = new float[vector.Length];
        System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, unit);
        return unit;
    }

    private Exemplar UnitCopy(Exemplar exemplar) => exemplar with { Embedding = Unit(exemplar.Embedding, "exemplar embedding") };
}
