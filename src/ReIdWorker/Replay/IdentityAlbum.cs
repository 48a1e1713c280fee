using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Vision.Imaging;

namespace ReIdWorker.Replay;

/// <summary>One track of a person: which camera, and from when to when it was seen.</summary>
public sealed record Sighting(string CameraId, int TrackId, DateTimeOffset From, DateTimeOffset To);

/// <summary>What the replay learned about one global identity, for the sheet and the report.</summary>
public sealed record IdentityEntry(string PersonId, IReadOnlyList<Mat> Crops, IReadOnlyList<Sighting> Sightings, int Tracks)
{
    public IEnumerable<string> Cameras => Sightings.Select(s => s.CameraId).Distinct().Order(StringComparer.Ordinal);
    public DateTimeOffset? FirstSeen => Sightings.Count == 0 ? null : Sightings.Min(s => s.From);
    public DateTimeOffset? LastSeen => Sightings.Count == 0 ? null : Sightings.Max(s => s.To);
}

/// <summary>
/// Collects, for the identity sheet, thumbnails of each global identity and where and when it was
/// seen. Tracks gather thumbnails before they are identified; identification hands them over.
/// Owns every thumbnail and disposes them. Used from the replay's single processing loop.
/// </summary>
public sealed class IdentityAlbum : IDisposable
{
    private const int ThumbsPerTrack = 4;

    private sealed class Person
    {
        public readonly List<Mat> Crops = [];
        public readonly List<Sighting> Sightings = [];
        public int Tracks;
    }

    private readonly Dictionary<(string Camera, int Track), List<Mat>> _pending = [];
    private readonly Dictionary<(string Camera, int Track), string> _assigned = [];
    private readonly Dictionary<string, Person> _people = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public int Count => _people.Count;

    public void AddCrop(string camera, int track, Mat frame, Box box)
    {
        if (_assigned.TryGetValue((camera, track), out var personId))
        {
            var person = _people[personId];
            if (person.Crops.Count < IdentitySheet.MaxCrops) person.Crops.Add(IdentitySheet.Thumbnail(frame, box));
            return;
        }
        if (!_pending.TryGetValue((camera, track), out var list)) _pending[(camera, track)] = list = [];
        if (list.Count < ThumbsPerTrack) list.Add(IdentitySheet.Thumbnail(frame, box));
    }

    public void Assign(string camera, int track, string personId)
    {
        var person = EnsurePerson(personId);
        person.Tracks++;
        _assigned[(camera, track)] = personId;
        if (_pending.Remove((camera, track), out var crops))
            foreach (var crop in crops)
            {
                // Each track gets a place on the row, so re-identified people show their other views.
                if (person.Crops.Count < IdentitySheet.MaxCrops) person.Crops.Add(crop);
                else crop.Dispose();
            }
    }

    /// <summary>How many tracks have been given <paramref name="personId"/> so far.</summary>
    public int TrackCount(string personId) => _people.TryGetValue(personId, out var p) ? p.Tracks : 0;

    /// <summary>A track's identity changed; an identity left without tracks is folded into the new one.</summary>
    public void Reassign(string camera, int track, string from, string to)
    {
        EnsurePerson(to).Tracks++;
        _assigned[(camera, track)] = to;
        var old = _people[from];
        if (--old.Tracks == 0) Merge(from, to, countTracks: false);
    }

    /// <summary>Two identities are one person: everything of <paramref name="absorbed"/> moves to <paramref name="survivor"/>.</summary>
    public void Merge(string absorbed, string survivor) => Merge(absorbed, survivor, countTracks: true);

    private void Merge(string absorbed, string survivor, bool countTracks)
    {
        if (absorbed == survivor || !_people.Remove(absorbed, out var gone)) return;
        _order.Remove(absorbed);
        var keep = EnsurePerson(survivor);
        if (countTracks) keep.Tracks += gone.Tracks;
        keep.Sightings.AddRange(gone.Sightings);
        foreach (var crop in gone.Crops)
            if (keep.Crops.Count < IdentitySheet.MaxCrops) keep.Crops.Add(crop);
            else crop.Dispose();
        foreach (var key in _assigned.Where(kv => kv.Value == absorbed).Select(kv => kv.Key).ToList())
            _assigned[key] = survivor;
    }

    private Person EnsurePerson(string personId)
    {
        if (!_people.TryGetValue(personId, out var person))
        {
            _people[personId] = person = new Person();
            _order.Add(personId);
        }
        return person;
    }

    public void Seen(string camera, int track, DateTimeOffset first, DateTimeOffset last)
    {
        if (_pending.Remove((camera, track), out var crops))
            foreach (var c in crops) c.Dispose();
        if (!_assigned.Remove((camera, track), out var personId)) return;
        _people[personId].Sightings.Add(new Sighting(camera, track, first, last));
    }

    /// <summary>Identities in order of first identification. Crops stay owned by the album.</summary>
    public IReadOnlyList<IdentityEntry> Entries() =>
        _order.Select(id => new IdentityEntry(id, _people[id].Crops, _people[id].Sightings, _people[id].Tracks)).ToList();

    public IReadOnlyList<IdentityRow> Rows() => Entries().Select(e =>
    {
        string when = e.FirstSeen is { } f && e.LastSeen is { } l ? $"{f:HH:mm:ss}-{l:HH:mm:ss}" : "";
        return new IdentityRow(e.PersonId, $"{e.Tracks} track(s)\n{string.Join(",", e.Cameras)}\n{when}", e.Crops);
    }).ToList();

    public void Dispose()
    {
        foreach (var list in _pending.Values) foreach (var m in list) m.Dispose();
        foreach (var p in _people.Values) foreach (var m in p.Crops) m.Dispose();
        _pending.Clear();
        _people.Clear();
    }
}
