using ReId.Core.Geometry;

namespace ReId.Core.Tracking;

/// <param name="MinDetectionScore">Detections below this never start or extend a track.</param>
/// <param name="MatchIoU">Minimum overlap of a detection with a track's predicted box to match.</param>
/// <param name="MinHits">Consecutive matched frames before a tentative track is confirmed.</param>
/// <param name="MaxLostFrames">Frames a confirmed track may go unmatched before it ends.</param>
public sealed record TrackerOptions(
    float MinDetectionScore = 0.3f,
    float MatchIoU = 0.3f,
    int MinHits = 3,
    int MaxLostFrames = 30);

/// <summary>
/// Frame-to-frame association by box overlap: each detection is matched greedily (highest IoU
/// first) to a track's constant-velocity prediction. Simple and fast; it loses identities in long
/// occlusions, which the global identity resolver then recovers by appearance.
/// </summary>
public sealed class IouTracker(TrackerOptions options) : ITracker
{
    private readonly List<Track> _tracks = [];
    private int _nextId = 1;

    public TrackerOptions Options { get; } = options;

    /// <param name="appearance">Ignored: this tracker associates by overlap only.</param>
    public TrackerStep Update(IReadOnlyList<Detection> detections, long frame, IReadOnlyList<float[]?>? appearance = null)
    {
        var candidates = detections.Where(d => d.Score >= Options.MinDetectionScore).ToList();
        var pairs = new List<(float IoU, int Track, int Detection)>();
        for (int t = 0; t < _tracks.Count; t++)
        {
            var predicted = _tracks[t].Predict(frame);
            for (int d = 0; d < candidates.Count; d++)
            {
                float iou = predicted.IoU(candidates[d].Box);
                if (iou >= Options.MatchIoU) pairs.Add((iou, t, d));
            }
        }
        pairs.Sort((a, b) => b.IoU.CompareTo(a.IoU));

        var trackMatched = new bool[_tracks.Count];
        var detectionMatched = new bool[candidates.Count];
        var confirmed = new List<Track>();
        foreach (var (_, t, d) in pairs)
        {
            if (trackMatched[t] || detectionMatched[d]) continue;
            trackMatched[t] = detectionMatched[d] = true;
            var track = _tracks[t];
            Match(track, candidates[d], frame);
            if (track.State == TrackState.Tentative && track.ConsecutiveHits >= Options.MinHits)
            {
                track.State = TrackState.Confirmed;
                confirmed.Add(track);
            }
            else if (track.State == TrackState.Lost)
            {
                track.State = TrackState.Confirmed;
            }
        }

        var ended = new List<Track>();
        for (int t = _tracks.Count - 1; t >= 0; t--)
        {
            if (trackMatched[t]) continue;
            var track = _tracks[t];
            track.SeenInLastUpdate = false;
            track.ConsecutiveHits = 0;
            switch (track.State)
            {
                case TrackState.Tentative:
                    // Never reported, so it ends silently: a one-frame false positive is not an event.
                    track.State = TrackState.Ended;
                    _tracks.RemoveAt(t);
                    break;
                case TrackState.Confirmed:
                    track.State = TrackState.Lost;
                    break;
                case TrackState.Lost when frame - track.LastSeenFrame > Options.MaxLostFrames:
                    track.State = TrackState.Ended;
                    _tracks.RemoveAt(t);
                    ended.Add(track);
                    break;
            }
        }

        for (int d = 0; d < candidates.Count; d++)
            if (!detectionMatched[d])
            {
                var track = new Track(_nextId++, candidates[d], frame);
                if (Options.MinHits <= 1)
                {
                    track.State = TrackState.Confirmed;
                    confirmed.Add(track);
                }
                _tracks.Add(track);
            }

        ended.Reverse();
        return new TrackerStep(confirmed, ended, _tracks.ToList());
    }

    /// <summary>Ends every live confirmed track, e.g. at the end of a file.</summary>
    public IReadOnlyList<Track> Finish()
    {
        var ended = _tracks.Where(t => t.State is TrackState.Confirmed or TrackState.Lost).ToList();
        foreach (var t in _tracks) t.State = TrackState.Ended;
        _tracks.Clear();
        return ended;
    }

    private static void Match(Track track, Detection detection, long frame)
    {
        long dt = Math.Max(1, frame - track.LastSeenFrame);
        float vx = (detection.Box.CenterX - track.Box.CenterX) / dt;
        float vy = (detection.Box.CenterY - track.Box.CenterY) / dt;
        // Exponential smoothing: detector jitter would otherwise dominate the velocity.
        const float alpha = 0.4f;
        track.VelocityX = track.Hits == 1 ? vx : alpha * vx + (1 - alpha) * track.VelocityX;
        track.VelocityY = track.Hits == 1 ? vy : alpha * vy + (1 - alpha) * track.VelocityY;
        track.RecordMatch(detection, frame);
    }
}
