using System.Diagnostics;
using ReId.Core.Gallery;

namespace ReIdWorker.Live;

/// <summary>
/// Measures every gallery call (latency, errors per operation) for the metrics endpoint. Passes the
/// degraded status of a resilient gallery through, so identities decided against its local cache stay
/// provisional.
/// </summary>
public sealed class InstrumentedGallery(IGallery inner) : IDegradableGallery
{
    public IGallery Inner => inner;

    public bool IsDegraded => inner is IDegradableGallery { IsDegraded: true };

    public Task<GallerySearchResult> SearchWithStatusAsync(GalleryQuery query, CancellationToken ct) =>
        Measure("search", () => inner.SearchWithStatusAsync(query, ct));

    public string Describe => inner.Describe;

    public Task EnsureReadyAsync(int dimension, CancellationToken ct) => Measure("ensure_ready", () => inner.EnsureReadyAsync(dimension, ct));

    public Task<IReadOnlyList<GalleryMatch>> SearchAsync(GalleryQuery query, CancellationToken ct) => Measure("search", () => inner.SearchAsync(query, ct));

    public Task AddAsync(Exemplar exemplar, CancellationToken ct) => Measure("add", () => inner.AddAsync(exemplar, ct));

    public Task<IReadOnlyList<Exemplar>> GetExemplarsAsync(string personId, CancellationToken ct) =>
        Measure("get_exemplars", () => inner.GetExemplarsAsync(personId, ct));

    public Task RemoveAsync(IReadOnlyCollection<Guid> exemplarIds, CancellationToken ct) => Measure("remove", () => inner.RemoveAsync(exemplarIds, ct));

    public Task<int> PurgeSeenBeforeAsync(DateTimeOffset cutoff, CancellationToken ct) => Measure("purge", () => inner.PurgeSeenBeforeAsync(cutoff, ct));

    public Task<long> CountAsync(CancellationToken ct) => Measure("count", () => inner.CountAsync(ct));

    public Task SaveAsync(CancellationToken ct) => Measure("save", () => inner.SaveAsync(ct));

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static async Task Measure(string operation, Func<Task> call)
    {
        long start = Stopwatch.GetTimestamp();
        try { await call(); }
        catch { RunMetrics.GalleryErrors.WithLabels(operation).Inc(); throw; }
        finally { RunMetrics.GallerySeconds.WithLabels(operation).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds); }
    }

    private static async Task<T> Measure<T>(string operation, Func<Task<T>> call)
    {
        long start = Stopwatch.GetTimestamp();
        try { return await call(); }
        catch { RunMetrics.GalleryErrors.WithLabels(operation).Inc(); throw; }
        finally { RunMetrics.GallerySeconds.WithLabels(operation).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds); }
    }
}
