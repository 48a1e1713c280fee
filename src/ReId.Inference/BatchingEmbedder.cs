using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ReId.Core.Models;

namespace ReId.Inference;

/// <summary>
/// Embeds person crops for a pipeline. Replay calls the <see cref="Embedder"/> directly
/// (<see cref="DirectCropEmbedder"/>); the live worker shares one <see cref="BatchingEmbedder"/>
/// between cameras so their crops run through the model together.
/// </summary>
public interface ICropEmbedder
{
    ModelMetadata Metadata { get; }

    /// <summary>
    /// One L2-normalised embedding per crop, in order. The crops borrow the caller's frame: keep it alive
    /// (undisposed) until the returned task completes.
    /// </summary>
    Task<float[][]> EmbedAsync(IReadOnlyList<Crop> crops, CancellationToken ct);
}

/// <summary>Runs the embedder on the caller's thread, one call per request (replay, bench).</summary>
public sealed class DirectCropEmbedder(Embedder embedder) : ICropEmbedder
{
    public ModelMetadata Metadata => embedder.Metadata;

    public Task<float[][]> EmbedAsync(IReadOnlyList<Crop> crops, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(embedder.Embed(crops));
    }
}

/// <summary>How the shared embedder gathers crops into one model run.</summary>
/// <param name="MaxBatch">Crops per model run at most (a GPU wants large batches; a CPU gains a little).</param>
/// <param name="MaxWait">How long the first waiting request may wait for others to join its batch.</param>
public sealed record BatchingOptions(int MaxBatch = 32, TimeSpan? MaxWait = null)
{
    public TimeSpan Wait => MaxWait ?? TimeSpan.FromMilliseconds(15);
}

/// <summary>What one model run did, for metrics.</summary>
/// <param name="Crops">Crops embedded in the run.</param>
/// <param name="Requests">Requests (camera frames) the run served.</param>
/// <param name="RunTime">Time in the model, preprocessing included.</param>
/// <param name="OldestWait">How long the oldest request of the run waited in the queue.</param>
public readonly record struct EmbeddingBatch(int Crops, int Requests, TimeSpan RunTime, TimeSpan OldestWait, bool Failed);

/// <summary>
/// One embedder shared by every camera of a process: requests (a frame's crops) wait in a queue, and
/// a single loop takes up to <see cref="BatchingOptions.MaxBatch"/> crops, or whatever arrived within
/// <see cref="BatchingOptions.MaxWait"/> of the first, and runs the model once for all of them.
/// </summary>
/// <remarks>
/// A request, once queued, is not cancellable: its crops point into the caller's frame, and the caller
/// may dispose that frame as soon as its task completes, so the task must not complete while the loop
/// might still read the crops.
/// </remarks>
public sealed class BatchingEmbedder : ICropEmbedder, IAsyncDisposable
{
    private readonly Embedder _embedder;
    private readonly BatchingOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _batches;
    private long _crops;

    private sealed record Request(IReadOnlyList<Crop> Crops, TaskCompletionSource<float[][]> Result, long QueuedAt);

    public BatchingEmbedder(Embedder embedder, BatchingOptions options, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatch, 1, nameof(options.MaxBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Wait, TimeSpan.Zero, nameof(options.MaxWait));
        _embedder = embedder;
        _options = options;
        _logger = logger;
        // The model run is synchronous CPU (or GPU) work: give the loop its own thread rather than
        // holding a thread-pool thread the cameras' async work needs.
        _loop = Task.Factory.StartNew(LoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public ModelMetadata Metadata => _embedder.Metadata;
    public string Provider => _embedder.Provider;
    public BatchingOptions Options => _options;

    /// <summary>Model runs so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Crops embedded so far.</summary>
    public long Crops => Interlocked.Read(ref _crops);

    /// <summary>Called on the loop's thread after every model run; must be quick and must not throw.</summary>
    public Action<EmbeddingBatch>? BatchCompleted { get; set; }

    public Task<float[][]> EmbedAsync(IReadOnlyList<Crop> crops, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (crops.Count == 0) return Task.FromResult(Array.Empty<float[]>());
        var request = new Request(crops, new TaskCompletionSource<float[][]>(TaskCreationOptions.RunContinuationsAsynchronously),
            Stopwatch.GetTimestamp());
        if (!_queue.Writer.TryWrite(request))
            throw new ObjectDisposedException(nameof(BatchingEmbedder));
        return request.Result.Task;
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>();
        Request? carried = null; // did not fit the previous batch; it opens the next one
        while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            int crops = 0;
            if (carried is not null) { batch.Add(carried); crops = carried.Crops.Count; carried = null; }
            else if (reader.TryRead(out var first)) { batch.Add(first); crops = first.Crops.Count; }
            else continue;

            long deadline = Stopwatch.GetTimestamp() + (long)(_options.Wait.TotalSeconds * Stopwatch.Frequency);
            while (crops < _options.MaxBatch)
            {
                if (reader.TryRead(out var next))
                {
                    if (crops + next.Crops.Count > _options.MaxBatch) { carried = next; break; }
                    batch.Add(next);
                    crops += next.Crops.Count;
                    continue;
                }
                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0) break;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
                try
                {
                    if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break; // completed: run what we have
                }
                catch (OperationCanceledException) { break; }
            }
            Run(batch, crops);
        }
    }

    private void Run(List<Request> batch, int crops)
    {
        long start = Stopwatch.GetTimestamp();
        var oldestWait = Stopwatch.GetElapsedTime(batch.Min(r => r.QueuedAt), start);
        bool failed = false;
        try
        {
            var all = new List<Crop>(crops);
            foreach (var r in batch) all.AddRange(r.Crops);
            float[][] embeddings = _embedder.Embed(all);
            int offset = 0;
            foreach (var r in batch)
            {
                r.Result.TrySetResult(embeddings[offset..(offset + r.Crops.Count)]);
                offset += r.Crops.Count;
            }
        }
        catch (Exception batchError) when (batch.Count > 1)
        {
            // One bad request must not fail other cameras' crops: run each alone to find who it was.
            _logger.LogWarning("Embedding a batch of {Crops} crops from {Requests} requests failed ({Reason}); retrying them one by one",
                crops, batch.Count, batchError.Message);
            foreach (var r in batch)
            {
                try { r.Result.TrySetResult(_embedder.Embed(r.Crops)); }
                catch (Exception ex) { failed = true; r.Result.TrySetException(ex); }
            }
        }
        catch (Exception ex)
        {
            failed = true;
            batch[0].Result.TrySetException(ex);
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _crops, crops);
        try { BatchCompleted?.Invoke(new EmbeddingBatch(crops, batch.Count, Stopwatch.GetElapsedTime(start), oldestWait, failed)); }
        catch (Exception ex) { _logger.LogWarning(ex, "Embedding batch observer failed"); }
    }

    /// <summary>Embeds what is already queued, then stops; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
