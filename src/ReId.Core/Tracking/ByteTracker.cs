using System.Numerics.Tensors;
using ReId.Core.Geometry;

namespace ReId.Core.Tracking;

/// <summary>
/// ByteTrack association with BoT-SORT's appearance fusion. Every track's box is predicted by a
/// constant-velocity Kalman filter, then detections are assigned optimally in three stages:
/// <list type="number">
/// <item>confirmed and lost tracks with high-score detections, by overlap fused with appearance;</item>
/// <item>tracks still unmatched but not lost with low-score detections, by IoU alone: a person
/// going behind something keeps a low-confidence box, and using it keeps the track (and its id)
/// alive instead of losing and re-finding it;</item>
/// <item>tentative tracks with the high-score detections left over.</item>
/// </list>
/// High-score detections left after that start tentative tracks. A lost track matched again within
/// <see cref="ByteTrackerOptions.MaxLostFrames"/> continues under its id.
/// <para>
/// Overlap in the high-score stages is IoU made robust to walking people (see <see cref="Overlap"/>):
/// half plain IoU, half IoU at the predicted width, and for detections overlapping another one, times
/// the height IoU. The low-score stage uses plain IoU, because a partly hidden person's box is expected
/// to change height.
/// </para>
/// <para>
/// Appearance fusion: cost = min(overlap cost, appearance cost), where the appearance cost (half the
/// cosine distance between the track's average embedding and the detection's) only counts when it
/// is at most <see cref="ByteTrackerOptions.AppearanceThreshold"/> and the detection passes the
/// Kalman chi-square motion gate. So appearance can pull a plausible pair together (two people
/// swapping places, a track re-found beside its prediction) but never push a pair apart, and it
/// never moves a track further than its motion allows: single-crop embeddings are least reliable
/// exactly when association is hard (occlusion, blur), and then the tracker falls back to plain
/// ByteTrack. The motion gate is applied to appearance only, not to overlap: a partial-occlusion box
/// changes height abruptly and would fail the gate while still overlapping well. Low-score
/// detections never use appearance, as in BoT-SORT, because their crops are mostly occluded.
/// </para>
/// <para>
/// Confirmation: a track is confirmed after <see cref="ByteTrackerOptions.MinHits"/> consecutive
/// matches, on the first frame as on any other (ByteTrack confirms first-frame tracks at once,
/// which suits benchmark scoring but would publish every first-frame false positive, and the first
/// frame of a live stream is an arbitrary one). <see cref="Track.Box"/> is the latest matched
/// detection's box, not the Kalman-smoothed one: the embedder crops it, and the detector's box is
/// what actually contains the person when they change speed or pose.
/// </para>
/// </summary>
public sealed class ByteTracker : ITracker
{
    private sealed class Tracked(Track track, KalmanBoxState motion)
    {
        public Track Track { get; } = track;
        public KalmanBoxState Motion { get; set; } = motion;
    }

    private readonly KalmanBoxFilter _filter = new();
    private readonly List<Tracked> _tracks = [];
    private int _nextId = 1;
    private long? _lastFrame;

    public ByteTracker(ByteTrackerOptions? options = null)
    {
        Options = options ?? new ByteTrackerOptions();
        Options.Validate();
    }

    public ByteTrackerOptions Options { get; }

    public TrackerStep Update(IReadOnlyList<Detection> detections, long frame, IReadOnlyList<float[]?>? appearance = null)
    {
        if (appearance is not null && appearance.Count != detections.Count)
            throw new ArgumentException($"{appearance.Count} appearance entries for {detections.Count} detections; pass one per detection (null where not embedded)", nameof(appearance));
        if (_lastFrame is long last && frame <= last)
            throw new ArgumentOutOfRangeException(nameof(frame), frame, $"frames must increase; the previous update was frame {last}");
        Predict(_lastFrame is long previous ? frame - previous : 1);
        _lastFrame = frame;

        var high = new List<int>();
        var low = new List<int>();
        for (int d = 0; d < detections.Count; d++)
        {
            // A box without area cannot be filtered (its noise scales with height) nor overlapped.
            var box = detections[d].Box;
            if (!(box.Width > 0 && box.Height > 0 && float.IsFinite(box.X) && float.IsFinite(box.Y))) continue;
            float score = detections[d].Score;
            if (score >= Options.HighScoreThreshold) high.Add(d);
            else if (score >= Options.LowScoreThreshold) low.Add(d);
        }

        foreach (var t in _tracks) t.Track.SeenInLastUpdate = false;
        var confirmed = new List<Track>();
        void Match(Tracked t, int d, float[]? feature)
        {
            if (Matched(t, detections[d], frame, feature)) confirmed.Add(t.Track);
        }
        float[]? FeatureOf(int d) => appearance?[d];

        var crowded = Crowded(detections);
        var established = _tracks.Where(t => t.Track.State is TrackState.Confirmed or TrackState.Lost).ToList();
        var first = Associate(established, high, detections, appearance, crowded, Options.FirstMatchThreshold);
        foreach (var (t, d) in first.Matches) Match(t, d, FeatureOf(d));

        var stillTracked = first.UnmatchedTracks.Where(t => t.Track.State == TrackState.Confirmed).ToList();
        var second = Associate(stillTracked, low, detections, appearance, crowded: null, Options.SecondMatchThreshold);
        foreach (var (t, d) in second.Matches) Match(t, d, null);

        var tentative = _tracks.Where(t => t.Track.State == TrackState.Tentative).ToList();
        var third = Associate(tentative, first.UnmatchedDetections, detections, appearance, crowded, Options.TentativeMatchThreshold);
        foreach (var (t, d) in third.Matches) Match(t, d, FeatureOf(d));

        var ended = EndMissed(frame);

        foreach (int d in third.UnmatchedDetections)
        {
            if (detections[d].Score < Options.NewTrackThreshold) continue;
            var track = new Track(_nextId++, detections[d], frame)
            {
                AppearanceFeature = Blend(null, FeatureOf(d), Options.AppearanceMomentum),
            };
            if (Options.MinHits <= 1)
            {
                track.State = TrackState.Confirmed;
                confirmed.Add(track);
            }
            _tracks.Add(new Tracked(track, _filter.Initiate(BoxMeasurement.FromBox(track.Box))));
        }

        return new TrackerStep(confirmed, ended, _tracks.Select(t => t.Track).ToList());
    }

    public IReadOnlyList<Track> Finish()
    {
        var ended = _tracks.Select(t => t.Track).Where(t => t.State is TrackState.Confirmed or TrackState.Lost).ToList();
        foreach (var t in _tracks) t.Track.State = TrackState.Ended;
        _tracks.Clear();
        return ended;
    }

    private void Predict(long frames)
    {
        // Beyond the lost window every unmatched track ends anyway; the cap only bounds the work
        // after a long gap in frame numbers.
        long steps = Math.Min(frames, Options.MaxLostFrames + 1L);
        foreach (var t in _tracks)
            for (long s = 0; s < steps; s++)
            {
                // A lost track's height would otherwise keep growing or shrinking unobserved
                // (ByteTrack does the same); its position keeps moving with its velocity.
                if (t.Track.State == TrackState.Lost) t.Motion.Mean[7] = 0;
                t.Motion = _filter.Predict(t.Motion);
            }
    }

    private sealed record Association(
        List<(Tracked Track, int Detection)> Matches,
        List<Tracked> UnmatchedTracks,
        List<int> UnmatchedDetections);

    private Association Associate(List<Tracked> tracks, List<int> candidates, IReadOnlyList<Detection> detections,
        IReadOnlyList<float[]?>? appearance, bool[]? crowded, float maxCost)
    {
        // The high-score stages pass which detections are crowded; the low-score stage passes null.
        bool highScoreStage = crowded is not null;
        var cost = new double[tracks.Count, candidates.Count];
        for (int i = 0; i < tracks.Count; i++)
        {
            var predicted = tracks[i].Motion.Position.ToBox();
            for (int j = 0; j < candidates.Count; j++)
            {
                var detection = detections[candidates[j]];
                // Low-score boxes are mostly partly hidden people, cut short by what hides them: a
                // height change is expected there, so they are matched by plain IoU, as in ByteTrack.
                float overlap = highScoreStage ? Overlap(predicted, detection.Box, crowded![candidates[j]]) : predicted.IoU(detection.Box);
                if (highScoreStage && Options.FuseScore) overlap *= detection.Score;
                double c = 1 - overlap;
                if (highScoreStage && appearance?[candidates[j]] is { } feature)
                    c = Math.Min(c, AppearanceCost(tracks[i], detection.Box, feature));
                cost[i, j] = c;
            }
        }

        var assignment = LinearAssignment.Solve(cost, maxCost);
        return new Association(
            assignment.Matches.Select(m => (tracks[m.Row], candidates[m.Column])).ToList(),
            assignment.UnmatchedRows.Select(r => tracks[r]).ToList(),
            assignment.UnmatchedColumns.Select(c => candidates[c]).ToList());
    }

    /// <summary>
    /// Detections overlapping another detection at least this much (IoU) are "crowded": people side
    /// by side or one behind the other, where the height IoU is what tells them apart.
    /// </summary>
    private const float CrowdedIoU = 0.25f;

    /// <summary>
    /// How well a detection fits a track's predicted box, in [0, 1]. Plain IoU is unreliable for
    /// walking people at video-analytics frame rates (10 fps): the stride swings a box's width by up to
    /// half from one frame to the next, and a partner walking beside or behind overlaps nearly as much
    /// as the person themself. So the IoU is averaged with the IoU of the detection re-centred at the
    /// predicted width (where it is, not how wide the stride makes it). For a crowded detection the
    /// result is multiplied by the height IoU (Hybrid-SORT's height-modulated IoU): people at different
    /// depths differ steadily in their top and bottom even when their boxes overlap. Only there, because
    /// a detector's box heights jitter (HOG's scale pyramid): applied everywhere, the height IoU broke
    /// HOG tracks on vtest.avi into pieces (57 tracks instead of 47).
    /// </summary>
    private static float Overlap(Box predicted, Box detected, bool crowded)
    {
        var recentred = new Box(detected.CenterX - predicted.Width / 2, detected.Y, predicted.Width, detected.Height);
        float overlap = (predicted.IoU(detected) + predicted.IoU(recentred)) / 2;
        return crowded ? overlap * predicted.HeightIoU(detected) : overlap;
    }

    /// <summary>Which detections overlap another one by at least <see cref="CrowdedIoU"/>; computed once per update.</summary>
    private static bool[] Crowded(IReadOnlyList<Detection> detections)
    {
        var crowded = new bool[detections.Count];
        for (int a = 0; a < detections.Count; a++)
            for (int b = a + 1; b < detections.Count; b++)
                if (detections[a].Box.IoU(detections[b].Box) >= CrowdedIoU)
                    crowded[a] = crowded[b] = true;
        return crowded;
    }

    /// <summary>Half the cosine distance, or +∞ where appearance must not decide (see the class notes).</summary>
    private double AppearanceCost(Tracked t, Box box, float[] feature)
    {
        if (t.Track.AppearanceFeature is not { } memory) return double.PositiveInfinity;
        double distance = (1 - TensorPrimitives.CosineSimilarity(memory, feature)) / 2;
        if (!(distance <= Options.AppearanceThreshold)) return double.PositiveInfinity;
        if (_filter.GatingDistance(t.Motion, BoxMeasurement.FromBox(box)) > KalmanBoxFilter.GatingThreshold)
            return double.PositiveInfinity;
        return distance;
    }

    /// <summary>Applies a match; true when it confirms a tentative track.</summary>
    private bool Matched(Tracked t, Detection detection, long frame, float[]? feature)
    {
        t.Motion = _filter.Update(t.Motion, BoxMeasurement.FromBox(detection.Box));
        var track = t.Track;
        track.RecordMatch(detection, frame);
        track.AppearanceFeature = Blend(track.AppearanceFeature, feature, Options.AppearanceMomentum);
        switch (track.State)
        {
            case TrackState.Lost:
                // Re-activated under its id; it was reported when first confirmed.
                track.State = TrackState.Confirmed;
                return false;
            case TrackState.Tentative when track.ConsecutiveHits >= Options.MinHits:
                track.State = TrackState.Confirmed;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Tracks unmatched in this update: tentative ones vanish silently (never reported, mostly
    /// false positives), confirmed ones become lost, and lost ones past the window end.
    /// </summary>
    private List<Track> EndMissed(long frame)
    {
        var ended = new List<Track>();
        _tracks.RemoveAll(t =>
        {
            var track = t.Track;
            if (track.SeenInLastUpdate) return false;
            track.ConsecutiveHits = 0;
            if (track.State == TrackState.Tentative)
            {
                track.State = TrackState.Ended;
                return true;
            }
            track.State = TrackState.Lost;
            if (frame - track.LastSeenFrame <= Options.MaxLostFrames) return false;
            track.State = TrackState.Ended;
            ended.Add(track);
            return true;
        });
        return ended;
    }

    /// <summary>
    /// The exponential moving average of unit embeddings, renormalised: a running appearance that
    /// follows slow changes (turning, lighting) while one odd crop moves it only a little.
    /// </summary>
    private static float[]? Blend(float[]? memory, float[]? observed, float momentum)
    {
        if (observed is null) return memory;
        float norm = TensorPrimitives.Norm(observed);
        if (!(norm > 1e-12f)) return memory;
        var blended = new float[observed.Length];
        TensorPrimitives.Divide(observed, norm, blended);
        if (memory is null) return blended;
        if (memory.Length != observed.Length)
            throw new ArgumentException($"embedding has {observed.Length} dims, the track's appearance holds {memory.Length}");
        TensorPrimitives.Multiply(blended, 1 - momentum, blended);
        TensorPrimitives.MultiplyAdd(memory, momentum, blended, blended);
        float blendedNorm = TensorPrimitives.Norm(blended);
        // Opposite embeddings at momentum 0.5 cancel out; keep the memory rather than a NaN.
        if (!(blendedNorm > 1e-12f)) return memory;
        TensorPrimitives.Divide(blended, blendedNorm, blended);
        return blended;
    }
}
