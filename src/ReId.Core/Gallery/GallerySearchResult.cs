namespace ReId.Core.Gallery;

/// <summary>
/// The matches of one search and whether they came from a stand-in for the real store: a gallery
/// that cannot reach the shared store answers from what this worker knows locally, which may miss
/// people other workers added. Carried per call, so cameras searching at once cannot see each
/// other's status.
/// </summary>
public sealed record GallerySearchResult(IReadOnlyList<GalleryMatch> Matches, bool Degraded);

/// <summary>
/// A gallery that can answer while its backing store is unreachable (see ReId.Gallery's
/// ResilientGallery). Plain galleries never degrade and need not implement this.
/// </summary>
public interface IDegradableGallery : IGallery
{
    /// <summary>True while the backing store is unreachable or writes made meanwhile wait to be replayed.</summary>
    bool IsDegraded { get; }

    /// <summary><see cref="IGallery.SearchAsync"/>, saying whether the answer is degraded.</summary>
    Task<GallerySearchResult> SearchWithStatusAsync(GalleryQuery query, CancellationToken ct);
}

public static class GallerySearchExtensions
{
    /// <summary>Searches any gallery; only an <see cref="IDegradableGallery"/> can answer degraded.</summary>
    public static async Task<GallerySearchResult> SearchWithStatusAsync(this IGallery gallery, GalleryQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        if (gallery is IDegradableGallery degradable)
            return await degradable.SearchWithStatusAsync(query, ct).ConfigureAwait(false);
        return new GallerySearchResult(await gallery.SearchAsync(query, ct).ConfigureAwait(false), Degraded: false);
    }
}
