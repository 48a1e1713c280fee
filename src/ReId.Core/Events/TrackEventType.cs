namespace ReId.Core.Events;

/// <summary>The kinds of track event, serialised as the dotted strings of schema v1.</summary>
public static class TrackEventType
{
    /// <summary>A track was confirmed (seen in enough consecutive frames to be a person, not noise).</summary>
    public const string Started = "track.started";
    /// <summary>A track was given a global person id, or its person id changed (see revision).</summary>
    public const string Identified = "track.identified";
    /// <summary>Periodic position update of a live track.</summary>
    public const string Updated = "track.updated";
    /// <summary>A track was lost for longer than the tracker keeps lost tracks.</summary>
    public const string Ended = "track.ended";
    /// <summary>Two global identities were found to be the same person.</summary>
    public const string IdentityMerged = "identity.merged";

    public static readonly IReadOnlyList<string> All = [Started, Identified, Updated, Ended, IdentityMerged];
}
