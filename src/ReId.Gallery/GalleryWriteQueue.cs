using ReId.Core.Gallery;

namespace ReId.Gallery;

/// <summary>A write to the shared gallery made while it was unreachable, replayed when it answers again.</summary>
internal abstract record QueuedGalleryWrite
{
    /// <summary>Applies the write; each is idempotent (upsert by exemplar id, removal by id, purge by cutoff).</summary>
    public abstract Task ApplyAsync(IGallery gallery, CancellationToken ct);

    public abstract string Operation { get; }
}

internal sealed record QueuedAdd(Exemplar Exemplar) : QueuedGalleryWrite
{
    public override Task ApplyAsync(IGallery gallery, CancellationToken ct) => gallery.AddAsync(Exemplar, ct);
    public override string Operation => "add";
    public override string ToString() => $"add exemplar {Exemplar.Id} of {Exemplar.PersonId}";
}

internal sealed record QueuedRemove(IReadOnlyList<Guid> ExemplarIds) : QueuedGalleryWrite
{
    public override Task ApplyAsync(IGallery gallery, CancellationToken ct) => gallery.RemoveAsync(ExemplarIds, ct);
    public override string Operation => "remove";
    public override string ToString() => $"remove {ExemplarIds.Count} exemplar(s)";
}

internal sealed record QueuedPurge(DateTimeOffset Cutoff) : QueuedGalleryWrite
{
    public override Task ApplyAsync(IGallery gallery, CancellationToken ct) => gallery.PurgeSeenBeforeAsync(Cutoff, ct);
    public override string Operation => "purge";
    public override string ToString() => $"purge exemplars seen before {Cutoff:O}";
}

/// <summary>
/// Writes waiting for the shared gallery, in the order they were made, bounded. Callers serialise
/// enqueueing and replay (one writer at a time), so order is the order writes happened.
/// </summary>
/// <remarks>
/// When full, the oldest add or removal is dropped: the newest writes describe the people around now,
/// and a dropped add only means other workers do not learn that one appearance (this worker's cache
/// keeps it). Purges never count against the bound and never get dropped, because retention of
/// biometric data must reach the shared store: a new purge replaces every queued one with an earlier
/// or equal cutoff, which changes nothing in the outcome (replayed last, it removes all they would,
/// including anything added between them that they would have left but it removes anyway).
/// </remarks>
internal sealed class GalleryWriteQueue(int capacity)
{
    private readonly object _gate = new();
    private readonly LinkedList<QueuedGalleryWrite> _writes = new();
    private int _bounded;

    /// <summary>Writes waiting (adds, removals and at most one purge).</summary>
    public int Count
    {
        get { lock (_gate) return _writes.Count; }
    }

    /// <summary>Queues a write; returns the write dropped to make room, if one was.</summary>
    public QueuedGalleryWrite? Enqueue(QueuedGalleryWrite write)
    {
        lock (_gate)
        {
            if (write is QueuedPurge purge)
            {
                for (var node = _writes.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value is QueuedPurge earlier && earlier.Cutoff <= purge.Cutoff)
                        _writes.Remove(node);
                    node = next;
                }
                _writes.AddLast(write);
                return null;
            }

            QueuedGalleryWrite? dropped = null;
            if (_bounded >= capacity)
            {
                var oldest = _writes.First;
                while (oldest!.Value is QueuedPurge)
                    oldest = oldest.Next;
                dropped = oldest.Value;
                _writes.Remove(oldest);
                _bounded--;
            }
            _writes.AddLast(write);
            _bounded++;
            return dropped;
        }
    }

    public bool TryPeek(out QueuedGalleryWrite write)
    {
        lock (_gate)
        {
            write = _writes.First?.Value!;
            return write is not null;
        }
    }

    /// <summary>Removes the front write after it was applied (it must be the one <see cref="TryPeek"/> gave).</summary>
    public void RemoveFront(QueuedGalleryWrite applied)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_writes.First?.Value, applied))
                throw new InvalidOperationException("gallery write queue changed during replay; enqueue and replay must not overlap");
            _writes.RemoveFirst();
            if (applied is not QueuedPurge)
                _bounded--;
        }
    }
}
