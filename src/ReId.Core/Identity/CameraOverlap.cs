namespace ReId.Core.Identity;

/// <summary>
/// Which cameras see common ground. A person can be on live tracks in two cameras at the same time only
/// if their views overlap; between cameras that do not overlap, an identity on a live track is not given
/// to a second track (one person is not in two places at once). Cameras overlap with nobody unless told.
/// </summary>
public sealed class CameraOverlap
{
    public static readonly CameraOverlap None = new([]);

    private readonly HashSet<(string, string)> _pairs = [];

    /// <param name="groups">Sets of camera ids whose views overlap; every two cameras of a group overlap.</param>
    public CameraOverlap(IEnumerable<IReadOnlyCollection<string>> groups)
    {
        foreach (var group in groups)
            foreach (var a in group)
                foreach (var b in group)
                    if (a != b) _pairs.Add((a, b));
    }

    public bool Overlaps(string cameraA, string cameraB) => _pairs.Contains((cameraA, cameraB));

    public IEnumerable<string> Cameras => _pairs.Select(p => p.Item1).Distinct();

    /// <summary>
    /// Reads groups written as comma-separated camera ids, e.g. <c>cam1,cam2</c> and <c>cam2,cam3</c> for
    /// three cameras along a corridor where neighbours overlap. Returns null and a one-line problem if a
    /// group names fewer than two cameras.
    /// </summary>
    public static CameraOverlap? Parse(IEnumerable<string> groups, out string? problem)
    {
        var parsed = new List<string[]>();
        foreach (var text in groups)
        {
            var ids = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();
            if (ids.Length < 2)
            {
                problem = $"overlapping cameras '{text}' name fewer than two cameras; write each group as comma-separated camera ids, e.g. cam1,cam2";
                return null;
            }
            parsed.Add(ids);
        }
        problem = null;
        return new CameraOverlap(parsed);
    }
}
