using ReId.Core.Geometry;

namespace ReId.Core.Tracking;

/// <summary>
/// Follows people within one camera from frame to frame. Implementations differ in how they
/// associate detections with tracks; the lifecycle they report (<see cref="TrackerStep"/>) is the same.
/// </summary>
public interface ITracker
{
    /// <param name="detections">This frame's detections.</param>
    /// <param name="frame">The frame number; it increases from one call to the next.</param>
    /// <param name="appearance">
    /// Optional L2-normalised embedding of each detection (same order; null entries where a
    /// detection was not embedded). Trackers that do not use appearance ignore it.
    /// </param>
    TrackerStep Update(IReadOnlyList<Detection> detections, long frame, IReadOnlyList<float[]?>? appearance = null);

    /// <summary>Ends every live confirmed or lost track, e.g. at the end of a file, and returns them.</summary>
    IReadOnlyList<Track> Finish();
}
