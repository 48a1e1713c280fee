namespace ReId.Core.Gallery;

/// <summary>
/// The store of known people's exemplars, searched by cosine similarity.
/// Implementations: the embedded gallery (exact search, persisted to a file) and Qdrant.
/// All members are safe to call from several cameras at once.
/// </summary>
public interface IGallery : IAsyncDisposable
{
    /// <summary>"embedded:/path/gallery.bin" or "qdrant:http://host:6334/collection", for logs.</summary>
    string Describe { get; }

    /// <summary>
    /// Checks the store is reachable and prepared for vectors of <paramref name="dimension"/>
    /// (creating the collection if missing). Throws <see cref="GalleryUnavailableException"/> with a
    /// fix when it is not, or when an existing store holds a different dimension.
    /// </summary>
    Task EnsureReadyAsync(int dimension, CancellationToken ct);

    /// <summary>Best matches first, at most <see cref="GalleryQuery.Limit"/>, all at or above the threshold.</summary>
    Task<IReadOnlyList<GalleryMatch>> SearchAsync(GalleryQuery query, CancellationToken ct);

    Task AddAsync(Exemplar exemplar, CancellationToken ct);

    Task<IReadOnlyList<Exemplar>> GetExemplarsAsync(string personId, CancellationToken ct);

    Task RemoveAsync(IReadOnlyCollection<Guid> exemplarIds, CancellationToken ct);

    /// <summary>Deletes exemplars seen before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> PurgeSeenBeforeAsync(DateTimeOffset cutoff, CancellationToken ct);

    /// <summary>Number of exemplars stored (for summaries and tests).</summary>
    Task<long> CountAsync(CancellationToken ct);

    /// <summary>Makes everything added so far durable (file write; no-op for a server).</summary>
    Task SaveAsync(CancellationToken ct);
}

/// <summary>The gallery cannot be used; the message names the store and the fix.</summary>
public sealed class GalleryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
