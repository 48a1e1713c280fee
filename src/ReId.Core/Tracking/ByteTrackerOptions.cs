namespace ReId.Core.Tracking;

/// <summary>
/// Thresholds of <see cref="ByteTracker"/>. The defaults are ByteTrack's and BoT-SORT's published
/// settings for 30 fps pedestrian footage. Costs are in [0, 1]: 1 - overlap (the tracker's
/// walking-robust IoU, times the detection score where <paramref name="FuseScore"/>) or half the
/// cosine distance of embeddings.
/// </summary>
/// <param name="HighScoreThreshold">Detections at least this confident are matched first and may start tracks.</param>
/// <param name="LowScoreThreshold">
/// Detections between this and <paramref name="HighScoreThreshold"/> only keep tracked people
/// tracked (partial occlusion lowers the score); below it they are ignored.
/// </param>
/// <param name="NewTrackThreshold">An unmatched detection needs this score to start a track.</param>
/// <param name="FirstMatchThreshold">Maximum cost of a confirmed or lost track with a high-score detection.</param>
/// <param name="SecondMatchThreshold">Maximum cost (1 - IoU) of a tracked track with a low-score detection.</param>
/// <param name="TentativeMatchThreshold">Maximum cost of a tentative track with a leftover high-score detection.</param>
/// <param name="AppearanceThreshold">
/// Appearance counts for a pair only when half its cosine distance is at most this (0.25: cosine
/// similarity at least 0.5) and the box passes the Kalman motion gate.
/// </param>
/// <param name="AppearanceMomentum">Weight of the past in a track's appearance average (BoT-SORT: 0.9).</param>
/// <param name="FuseScore">Multiply overlap by the detection score in the high-score stages, so confident boxes win ties.</param>
/// <param name="MinHits">Consecutive matched frames before a tentative track is confirmed.</param>
/// <param name="MaxLostFrames">Frames a confirmed track may go unmatched before it ends (ByteTrack's track buffer).</param>
public sealed record ByteTrackerOptions(
    float HighScoreThreshold = 0.5f,
    float LowScoreThreshold = 0.1f,
    float NewTrackThreshold = 0.6f,
    float FirstMatchThreshold = 0.8f,
    float SecondMatchThreshold = 0.5f,
    float TentativeMatchThreshold = 0.7f,
    float AppearanceThreshold = 0.25f,
    float AppearanceMomentum = 0.9f,
    bool FuseScore = true,
    int MinHits = 3,
    int MaxLostFrames = 30)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        static void InUnitRange(float value, string name)
        {
            if (!(value >= 0 && value <= 1))
                throw new ArgumentException($"tracker setting {name} = {value} must be between 0 and 1");
        }
        InUnitRange(HighScoreThreshold, nameof(HighScoreThreshold));
        InUnitRange(LowScoreThreshold, nameof(LowScoreThreshold));
        InUnitRange(NewTrackThreshold, nameof(NewTrackThreshold));
        InUnitRange(FirstMatchThreshold, nameof(FirstMatchThreshold));
        InUnitRange(SecondMatchThreshold, nameof(SecondMatchThreshold));
        InUnitRange(TentativeMatchThreshold, nameof(TentativeMatchThreshold));
        InUnitRange(AppearanceThreshold, nameof(AppearanceThreshold));
        if (!(AppearanceMomentum >= 0 && AppearanceMomentum < 1))
            throw new ArgumentException($"tracker setting {nameof(AppearanceMomentum)} = {AppearanceMomentum} must be at least 0 and below 1");
        if (LowScoreThreshold > HighScoreThreshold)
            throw new ArgumentException($"tracker setting {nameof(LowScoreThreshold)} = {LowScoreThreshold} must not exceed {nameof(HighScoreThreshold)} = {HighScoreThreshold}");
        if (MinHits < 1)
            throw new ArgumentException($"tracker setting {nameof(MinHits)} = {MinHits} must be at least 1");
        if (MaxLostFrames < 0)
            throw new ArgumentException($"tracker setting {nameof(MaxLostFrames)} = {MaxLostFrames} must not be negative");
    }
}
