using ReId.Core.Gallery;

namespace ReId.Gallery;

/// <summary>
/// The k best candidates of an exact search, kept as they are offered: a bounded min-heap whose root is
/// the one to evict next. Shared by the embedded gallery and the resilient gallery's local cache so both
/// answer a <see cref="GalleryQuery"/> with the same semantics (threshold, limit, best first).
/// </summary>
internal sealed class BestMatches<T>(GalleryQuery query)
{
    private readonly PriorityQueue<T, float> _best = new(query.Limit + 1);

    /// <summary>The person ids the query leaves out, as a set; null when there are none.</summary>
    public HashSet<string>? Excluded { get; } = query.ExcludePersonIds is { Count: > 0 } ids
        ? new HashSet<string>(ids, StringComparer.Ordinal)
        : null;

    public void Offer(T candidate, float similarity)
    {
        if (similarity < query.MinSimilarity)
            return;
        if (_best.Count < query.Limit)
            _best.Enqueue(candidate, similarity);
        else if (_best.TryPeek(out _, out float worst) && similarity > worst)
            _best.EnqueueDequeue(candidate, similarity);
    }

    /// <summary>The kept candidates, most similar first; empties the heap.</summary>
    public (T Candidate, float Similarity)[] TakeBestFirst()
    {
        var result = new (T, float)[_best.Count];
        for (int i = result.Length - 1; i >= 0; i--)
        {
            _best.TryDequeue(out T? candidate, out float similarity);
            result[i] = (candidate!, similarity);
        }
        return result;
    }
}
