namespace ReId.Core.Identity;

/// <summary>
/// Which global identities are on a live track right now, across all cameras of the process.
/// One person cannot be in two places at once, so the resolver never gives a busy identity to a
/// second track.
/// </summary>
public sealed class LiveIdentities
{
    private readonly Dictionary<string, int> _count = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Acquire(string personId)
    {
        lock (_lock) _count[personId] = _count.GetValueOrDefault(personId) + 1;
    }

    public void Release(string personId)
    {
        lock (_lock)
        {
            if (!_count.TryGetValue(personId, out int n)) return;
            if (n <= 1) _count.Remove(personId);
            else _count[personId] = n - 1;
        }
    }

    public IReadOnlyCollection<string> Snapshot()
    {
        lock (_lock) return _count.Keys.ToArray();
    }
}
