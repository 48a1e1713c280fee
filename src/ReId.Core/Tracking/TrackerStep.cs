namespace ReId.Core.Tracking;

/// <summary>What one tracker update changed.</summary>
/// <param name="Confirmed">Tracks confirmed in this update, each reported exactly once in its life.</param>
/// <param name="Ended">Confirmed tracks that ended in this update; tentative ones end silently.</param>
/// <param name="Live">Every track the tracker still holds, in creation order.</param>
public sealed record TrackerStep(
    IReadOnlyList<Track> Confirmed,
    IReadOnlyList<Track> Ended,
    IReadOnlyList<Track> Live);
