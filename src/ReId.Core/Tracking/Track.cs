using ReId.Core.Geometry;

namespace ReId.Core.Tracking;

/// <summary>One person followed within one camera. Mutated only by its tracker.</summary>
public sealed class Track
{
    internal Track(int id, Detection detection, long frame)
    {
        Id = id;
        Box = FirstBox = detection.Box;
        Score = detection.Score;
        FirstFrame = LastSeenFrame = frame;
        Hits = ConsecutiveHits = 1;
    }

    /// <summary>Local id, unique within the camera for the tracker's lifetime, starting at 1.</summary>
    public int Id { get; }
    public TrackState State { get; internal set; } = TrackState.Tentative;
    /// <summary>The box of the last matched detection (while lost: where it was last seen).</summary>
    public Box Box { get; internal set; }
    public float Score { get; internal set; }
    public long FirstFrame { get; }
    /// <summary>The box of the detection the track began with (tentative, before confirmation).</summary>
    public Box FirstBox { get; }
    public long LastSeenFrame { get; internal set; }
    public int Hits { get; internal set; }
    public int ConsecutiveHits { get; internal set; }
    /// <summary>True when a detection was matched to this track in the latest update.</summary>
    public bool SeenInLastUpdate { get; internal set; } = true;

    /// <summary>Pixels per frame, smoothed; extrapolates the box while the track is lost.</summary>
    internal float VelocityX, VelocityY;

    /// <summary>The appearance gathered from this track's crops.</summary>
    public Tracklet Appearance { get; } = new();

    /// <summary>
    /// The tracker's own running appearance (exponential moving average of the matched detections'
    /// embeddings, L2-normalised), used to associate detections; null until one arrives. Separate
    /// from <see cref="Appearance"/>, which is the quality-weighted tracklet used for identity.
    /// </summary>
    public float[]? AppearanceFeature { get; internal set; }

    // Identity state, owned by the pipeline that resolves identities.
    public string? PersonId { get; set; }
    public float? Similarity { get; set; }
    public int IdentityRevision { get; set; }
    /// <summary>
    /// <see cref="Events.IdentityStatus.Provisional"/> or <see cref="Events.IdentityStatus.Firm"/> while
    /// <see cref="PersonId"/> is set (the event field <c>identityStatus</c>); null without a person id.
    /// </summary>
    public string? IdentityStatus { get; set; }
    /// <summary>Per-track counter of published events (the event sequence number).</summary>
    public int EventSequence { get; set; }

    /// <summary>Records that <paramref name="detection"/> was matched to this track in <paramref name="frame"/>.</summary>
    internal void RecordMatch(Detection detection, long frame)
    {
        Box = detection.Box;
        Score = detection.Score;
        LastSeenFrame = frame;
        Hits++;
        ConsecutiveHits++;
        SeenInLastUpdate = true;
    }

    internal Box Predict(long frame)
    {
        long dt = frame - LastSeenFrame;
        return Box with { X = Box.X + VelocityX * dt, Y = Box.Y + VelocityY * dt };
    }
}
