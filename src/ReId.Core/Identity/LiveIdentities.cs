namespace ReId.Core.Identity;

/// <summary>
/// Which global identities are on a live track right now, and in which camera, across all cameras of the
/// process. One person cannot be in two places at once, so the resolver does not give an identity that
/// is busy to a second track: busy means on another live track of the same camera, or of a camera whose
/// view does not overlap this one (see <see cref="CameraOverlap"/>). In overlapping views one person is
/// legitimately tracked by two cameras at the same time.
/// </summary>
public sealed class LiveIdentities(CameraOverlap overlap)
{
    private readonly Dictionary<(string PersonId, string CameraId), int> _count = [];
    private readonly Lock _lock = new();

    public void Acquire(string personId, string cameraId)
    {
        lock (_lock) _count[(personId, cameraId)] = _count.GetValueOrDefault((personId, cameraId)) + 1;
    }

    public void Release(string personId, string cameraId)
    {
        lock (_lock)
        {
            if (!_count.TryGetValue((personId, cameraId), out int n)) return;
            if (n <= 1) _count.Remove((personId, cameraId));
            else _count[(personId, cameraId)] = n - 1;
        }
    }

    /// <summary>Identities a track of <paramref name="cameraId"/> cannot take now.</summary>
    public IReadOnlyCollection<string> BusyFor(string cameraId)
    {
        lock (_lock)
            return _count.Keys.Where(k => !overlap.Overlaps(k.CameraId, cameraId)).Select(k => k.PersonId).ToHashSet();
    }
}
