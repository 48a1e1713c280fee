using System.Numerics.Tensors;
using ReId.Core.Gallery;

namespace ReId.Gallery;

/// <summary>
/// What one worker knows of the shared gallery, for answering while it is unreachable: every
/// exemplar this worker added or fetched, searched exactly, bounded by count.
/// </summary>
/// <remarks>
/// Eviction is least recently added or fetched first: a search that returns an exemplar, or a read of
/// a person's exemplars, renews it, so the people around this worker's cameras lately are the ones
/// kept. Searching the cache itself renews nothing, so a long outage cannot reorder it. Embeddings are
/// stored L2-normalised (callers check them first), so similarity is a dot product as in the galleries.
/// </remarks>
internal sealed class LocalExemplarCache(int capacity)
{
    private readonly object _gate = new();
    private readonly Dictionary<Guid, LinkedListNode<Exemplar>> _byId = new();
    /// <summary>First = least recently added or fetched, the next to evict.</summary>
    private readonly LinkedList<Exemplar> _recency = new();
    private long _evicted;

    public int Count
    {
        get { lock (_gate) return _byId.Count; }
    }

    /// <summary>Exemplars evicted to respect the capacity since the cache was made.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Stores or replaces (same id) an exemplar whose embedding is already unit length, as most recent.</summary>
    public void Put(Exemplar unit)
    {
        lock (_gate)
        {
            if (_byId.Remove(unit.Id, out LinkedListNode<Exemplar>? old))
                _recency.Remove(old);
            _byId[unit.Id] = _recency.AddLast(unit);
            while (_byId.Count > capacity)
            {
                LinkedListNode<Exemplar> oldest = _recency.First!;
                _recency.RemoveFirst();
                _byId.Remove(oldest.Value.Id);
                Interlocked.Increment(ref _evicted);
            }
        }
    }

    public void Remove(IEnumerable<Guid> exemplarIds)
    {
        lock (_gate)
            foreach (Guid id in exemplarIds)
                if (_byId.Remove(id, out LinkedListNode<Exemplar>? node))
                    _recency.Remove(node);
    }

    public int PurgeSeenBefore(DateTimeOffset cutoff)
    {
        lock (_gate)
        {
            var expired = _byId.Values.Where(n => n.Value.SeenAt < cutoff).ToList();
            foreach (LinkedListNode<Exemplar> node in expired)
            {
                _byId.Remove(node.Value.Id);
                _recency.Remove(node);
            }
            return expired.Count;
        }
    }

    /// <summary>A person's cached exemplars, oldest sighting first (as the galleries answer).</summary>
    public IReadOnlyList<Exemplar> OfPerson(string personId)
    {
        lock (_gate)
        {
            var found = _byId.Values.Select(n => n.Value)
                .Where(e => string.Equals(e.PersonId, personId, StringComparison.Ordinal)).ToList();
            found.Sort((a, b) => a.SeenAt.CompareTo(b.SeenAt));
            return found;
        }
    }

    /// <summary>
    /// Takes the shared gallery's full answer for one person: cached exemplars of that person it no longer
    /// holds (removed by another worker) go, the others are stored as most recent.
    /// </summary>
    public void ReplacePerson(string personId, IReadOnlyList<Exemplar> shared)
    {
        lock (_gate)
        {
            var current = shared.Select(e => e.Id).ToHashSet();
            var gone = _byId.Values.Where(n => string.Equals(n.Value.PersonId, personId, StringComparison.Ordinal)
                                                && !current.Contains(n.Value.Id)).ToList();
            foreach (LinkedListNode<Exemplar> node in gone)
            {
                _byId.Remove(node.Value.Id);
                _recency.Remove(node);
            }
        }
        foreach (Exemplar e in shared)
            Put(e);
    }

    /// <summary>Exact search with the galleries' semantics (model version, exclusions, threshold, best first).</summary>
    public IReadOnlyList<GalleryMatch> Search(GalleryQuery query, float[] unitProbe)
    {
        var best = new BestMatches<Exemplar>(query);
        lock (_gate)
        {
            foreach (LinkedListNode<Exemplar> node in _byId.Values)
            {
                Exemplar e = node.Value;
                if (!string.Equals(e.ModelVersion, query.ModelVersion, StringComparison.Ordinal))
                    continue;
                if (best.Excluded is not null && best.Excluded.Contains(e.PersonId))
                    continue;
                if (e.Embedding.Length != unitProbe.Length)
                    continue;
                best.Offer(e, TensorPrimitives.Dot(e.Embedding, unitProbe));
            }
        }
        return best.TakeBestFirst()
            .Select(m => new GalleryMatch(m.Candidate with { Embedding = (float[])m.Candidate.Embedding.Clone() }, m.Similarity))
            .ToArray();
    }
}
