using System.Diagnostics;
using ReId.Core.Events;
using ReId.Core.Geometry;
using ReId.Core.Identity;
using ReId.Core.Tracking;
using ReId.Inference;
using ReId.Vision;
using ReId.Vision.Imaging;

namespace ReIdWorker.Replay;

/// <param name="SampleEvery">Frames between two crops of one track sent to the embedder.</param>
/// <param name="MaxSamples">Crops per track after which its appearance is considered known.</param>
/// <param name="SamplesToIdentify">Crops a track needs before it is identified.</param>
/// <param name="MinCropHeight">Crops shorter than this (pixels) are too coarse to embed.</param>
/// <param name="UpdateEvery">Frames between two track.updated events of one track.</param>
/// <param name="AppearanceAssociation">
/// Embed every confident detection before tracking so the tracker can use appearance to associate
/// (BoT-SORT style). Costs one crop per detection per frame: worth it with a GPU, slow on a CPU.
/// Track samples then reuse those embeddings instead of embedding again.
/// </param>
/// <param name="StaticIou">
/// A confirmed track counts as a person only once its box overlaps the box it began with by this much or
/// less (IoU): it has walked, grown as it came closer, or come in from the edge. Until then it is held back
/// (no events, no identity, no MOT rows; its rows are written once it moves). Detectors put steady false
/// boxes on things that never move: on the sample footage HOG tracks a parked van and a lamp post for 780
/// frames, half its false positives, and they became two "people" in the gallery; their boxes never fall
/// under 0.74 IoU with their first one. Every person there falls under 0.5 within 2-4 frames of appearing,
/// about when a track is confirmed (3). A person standing still since the track began is held back until
/// they move. 1 turns this off.
/// </param>
public sealed record PipelineOptions(
    int SampleEvery = 5,
    int MaxSamples = 12,
    int SamplesToIdentify = 3,
    float MinCropHeight = 48f,
    int UpdateEvery = 25,
    bool AppearanceAssociation = false,
    float StaticIou = 0.5f);

/// <summary>What one frame adds to the MOT output: the marks of the tracks visible in it, and rows of earlier frames.</summary>
/// <param name="Visible">Tracks visible in this frame (for the annotated video, crops and the MOT file).</param>
/// <param name="Earlier">Rows of tracks that moved in this frame, for the earlier frames they were held back in.</param>
public sealed record FrameMarks(IReadOnlyList<TrackMark> Visible, IReadOnlyList<(long Frame, TrackMark Mark)> Earlier);

/// <summary>
/// Everything that happens to one camera's frames after detection: tracking, choosing crops to
/// embed, asking for global identities, and turning track transitions into events and artefacts.
/// Frames are processed in order; the embedder, resolver and sink are shared with other cameras.
/// </summary>
public sealed class CameraPipeline
{
    private readonly string _cameraId;
    private readonly string _source;
    private readonly string _idScope;
    private readonly ITracker _tracker;
    private readonly ICropEmbedder _embedder;
    private readonly IdentityResolver _resolver;
    private readonly LiveIdentities _live;
    private readonly IEventSink _sink;
    private readonly IdentityAlbum? _album;
    private readonly PipelineOptions _options;
    private readonly string _workerId;
    private readonly Dictionary<int, TrackExtras> _extras = [];

    public CameraStats Stats { get; } = new();

    /// <summary>Confirmed tracks not yet ended (read by metrics from another thread).</summary>
    public int LiveTracks => Volatile.Read(ref _liveTracks);
    private int _liveTracks;

    /// <summary>Per-track bookkeeping the tracker does not need.</summary>
    private sealed class TrackExtras
    {
        public long? LastSampleFrame;
        public long LastUpdateFrame;
        public int SamplesAtIdentification;
        /// <summary>The track's identity was created for it (nobody in the gallery matched).</summary>
        public bool CreatedIdentity;
        /// <summary>The early identity was looked at again with the fuller appearance.</summary>
        public bool Reconsidered;
        /// <summary>A reconsideration made while the shared gallery was away is tried again from this frame.</summary>
        public long RetryReconsiderationAt;
        public DateTimeOffset FirstSeen;
        public DateTimeOffset LastSeen;
        /// <summary>
        /// The other live tracks visible in the same frames as this one. One person is never two people
        /// in one frame, so none of their identities can be this track's. This matters most for people
        /// walking together: each one's crops show the other, and when one leaves, the other's track
        /// would otherwise be re-identified as (or merged into) the partner, no longer busy. Tracks,
        /// not identities, because a companion may be identified only later (at its end); when it
        /// ends, its final identity moves to <see cref="SeenWithIdentities"/>. Both are kept only until
        /// the track's identity is reconsidered (no decision is taken after that), so a track that
        /// lives for hours beside thousands of others does not hold them all.
        /// </summary>
        public readonly HashSet<Track> SeenWith = [];
        public readonly HashSet<string> SeenWithIdentities = [];
        /// <summary>The track has moved (<see cref="PipelineOptions.StaticIou"/>) and is published.</summary>
        public bool Moved;
        /// <summary>Boxes of the frames the track was held back in, written once it moves (the latest <see cref="MaxHeldRows"/>).</summary>
        public readonly Queue<(long Frame, Box Box)> Held = new();
    }

    /// <summary>
    /// Rows kept per held-back track: people move within a second or two, and a van parked for a month
    /// must not hold a row per frame.
    /// </summary>
    private const int MaxHeldRows = 50;

    /// <summary>Identities <paramref name="track"/> cannot take: busy ones, and those seen beside it.</summary>
    private IReadOnlyCollection<string> Excluded(Track track)
    {
        var busy = _live.BusyFor(_cameraId);
        if (!_extras.TryGetValue(track.Id, out var extras) || extras.SeenWith.Count + extras.SeenWithIdentities.Count == 0) return busy;
        var excluded = new HashSet<string>(busy);
        excluded.UnionWith(extras.SeenWithIdentities);
        foreach (var companion in extras.SeenWith)
            if (companion.PersonId is { } personId) excluded.Add(personId);
        // A merge may have renamed a companion's identity to this track's own.
        if (track.PersonId is { } own) excluded.Remove(own);
        return excluded;
    }

    public CameraPipeline(string cameraId, string source, ITracker tracker, Embedder embedder,
        IdentityResolver resolver, LiveIdentities live, IEventSink sink, IdentityAlbum album,
        PipelineOptions options, string workerId)
        : this(cameraId, source, source, tracker, new DirectCropEmbedder(embedder), resolver, live, sink, album, options, workerId)
    {
    }

    /// <param name="idScope">
    /// What makes event ids and new person ids unique besides camera, track and frame numbers. Replay uses
    /// the source (the same footage gives the same ids); a live worker adds when the pipeline started, since
    /// its track and frame numbers start again at 1 after every restart.
    /// </param>
    /// <param name="embedder">Shared by cameras; the frame is kept alive until each call returns.</param>
    /// <param name="album">Collects crops for the identity sheet (replay); null keeps no crops (live).</param>
    public CameraPipeline(string cameraId, string source, string idScope, ITracker tracker, ICropEmbedder embedder,
        IdentityResolver resolver, LiveIdentities live, IEventSink sink, IdentityAlbum? album,
        PipelineOptions options, string workerId)
    {
        _cameraId = cameraId;
        _source = source;
        _idScope = idScope;
        _tracker = tracker;
        _embedder = embedder;
        _resolver = resolver;
        _live = live;
        _sink = sink;
        _album = album;
        _options = options;
        _workerId = workerId;
    }

    /// <summary>
    /// Processes one frame and its detections. Returns the marks of the published tracks visible in it
    /// (for the annotated video and the MOT file), and the MOT rows of tracks published in this frame for
    /// the frames they were held back in. Does not keep or dispose the frame.
    /// </summary>
    public async Task<FrameMarks> ProcessAsync(Frame frame, IReadOnlyList<Detection> detections, CancellationToken ct)
    {
        Stats.Frames++;
        Stats.Detections += detections.Count;
        float[]?[]? appearance = _options.AppearanceAssociation ? await EmbedDetectionsAsync(frame, detections, ct) : null;
        var step = _tracker.Update(detections, frame.Number, appearance);

        foreach (var track in step.Confirmed)
            _extras[track.Id] = new TrackExtras { LastUpdateFrame = frame.Number, FirstSeen = frame.Timestamp, LastSeen = frame.Timestamp };

        // Held-back tracks are sampled like the others, so a person's crops (and so their identity) do not
        // depend on when they were found to move; they are identified and published only once they have.
        var seen = step.Live.Where(t => t.State == TrackState.Confirmed && t.SeenInLastUpdate).ToList();
        var visible = new List<Track>();
        var earlier = new List<(long, TrackMark)>();
        foreach (var track in seen)
        {
            var extras = _extras[track.Id];
            if (!extras.Moved)
            {
                if (!HasMoved(track.FirstBox, track.Box))
                {
                    if (extras.Held.Count == MaxHeldRows) extras.Held.Dequeue();
                    extras.Held.Enqueue((frame.Number, track.Box));
                    continue;
                }
                extras.Moved = true;
                Stats.Tracks++;
                await EmitAsync(track, TrackEventType.Started, frame, ct);
                foreach (var (heldFrame, box) in extras.Held) earlier.Add((heldFrame, new TrackMark(box, track.Id, null)));
                extras.Held.Clear();
            }
            extras.LastSeen = frame.Timestamp;
            visible.Add(track);
        }
        await EmbedSamplesAsync(frame, seen, detections, appearance, ct);

        foreach (var track in visible)
        {
            var extras = _extras[track.Id];
            if (track.PersonId is null && track.Appearance.Count >= _options.SamplesToIdentify)
                await IdentifyAsync(track, frame, ct);
            else if (track.PersonId is not null && !extras.Reconsidered && track.Appearance.Count >= _options.MaxSamples
                     && frame.Number >= extras.RetryReconsiderationAt)
                await ReconsiderAsync(track, frame, ct);
            if (frame.Number - extras.LastUpdateFrame >= _options.UpdateEvery)
            {
                extras.LastUpdateFrame = frame.Number;
                await EmitAsync(track, TrackEventType.Updated, frame, ct);
            }
        }

        foreach (var track in visible)
        {
            var extras = _extras[track.Id];
            if (extras.Reconsidered) continue;
            foreach (var other in visible)
                if (other != track) extras.SeenWith.Add(other);
        }

        foreach (var track in step.Ended)
            await EndAsync(track, frame, ct);

        Volatile.Write(ref _liveTracks, LiveCount());
        return new FrameMarks(visible.Select(t => new TrackMark(t.Box, t.Id, t.PersonId)).ToList(), earlier);
    }

    private int LiveCount() => _extras.Values.Count(e => e.Moved);

    /// <summary>The box has left the one the track began with (<see cref="PipelineOptions.StaticIou"/>).</summary>
    private bool HasMoved(Box first, Box now) => _options.StaticIou >= 1 || first.IoU(now) <= _options.StaticIou;

    /// <summary>Ends the tracks still live when the source ends, so every started track has an end.</summary>
    public async Task FinishAsync(Frame lastFrame, CancellationToken ct)
    {
        foreach (var track in _tracker.Finish())
            await EndAsync(track, lastFrame, ct);
        Volatile.Write(ref _liveTracks, LiveCount());
    }

    /// <summary>Embeddings of the detections worth embedding (confident, big enough, inside the frame); null elsewhere.</summary>
    private async Task<float[]?[]> EmbedDetectionsAsync(Frame frame, IReadOnlyList<Detection> detections, CancellationToken ct)
    {
        var result = new float[]?[detections.Count];
        var chosen = new List<int>();
        for (int i = 0; i < detections.Count; i++)
            if (detections[i].Score >= 0.5f && Quality(detections[i].Box, detections[i].Score, frame, detections) > 0)
                chosen.Add(i);
        if (chosen.Count == 0) return result;
        var embeddings = await EmbedAsync(chosen.Select(i => new Crop(frame.Image, detections[i].Box)).ToList(), ct);
        for (int k = 0; k < chosen.Count; k++) result[chosen[k]] = embeddings[k];
        return result;
    }

    private async Task<float[][]> EmbedAsync(List<Crop> crops, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        float[][] embeddings = await _embedder.EmbedAsync(crops, ct);
        Stats.EmbedSeconds += sw.Elapsed.TotalSeconds;
        Stats.Crops += crops.Count;
        Stats.EmbedCalls++;
        return embeddings;
    }

    private async Task EmbedSamplesAsync(Frame frame, List<Track> visible, IReadOnlyList<Detection> detections, float[]?[]? appearance,
        CancellationToken ct)
    {
        var due = new List<Track>();
        var quality = new List<float>();
        foreach (var track in visible)
        {
            var extras = _extras[track.Id];
            if (track.Appearance.Count >= _options.MaxSamples) continue;
            if (frame.Number - extras.LastSampleFrame < _options.SampleEvery) continue; // null (never sampled) compares false
            float q = Quality(track.Box, track.Score, frame, detections);
            if (q <= 0) continue;
            due.Add(track);
            quality.Add(q);
        }
        if (due.Count == 0) return;

        // A matched track's box is its detection's box, so a detection embedded for association
        // is found again by its box and not embedded twice.
        var embeddings = new float[due.Count][];
        var missing = new List<int>();
        for (int i = 0; i < due.Count; i++)
        {
            int d = appearance is null ? -1 : IndexOfBox(detections, due[i].Box);
            if (d >= 0 && appearance![d] is { } known) embeddings[i] = known;
            else missing.Add(i);
        }
        if (missing.Count > 0)
        {
            var computed = await EmbedAsync(missing.Select(i => new Crop(frame.Image, due[i].Box)).ToList(), ct);
            for (int k = 0; k < missing.Count; k++) embeddings[missing[k]] = computed[k];
        }

        for (int i = 0; i < due.Count; i++)
        {
            var track = due[i];
            track.Appearance.Add(embeddings[i], quality[i]);
            _extras[track.Id].LastSampleFrame = frame.Number;
            if (_extras[track.Id].Moved) _album?.AddCrop(_cameraId, track.Id, frame.Image, track.Box);
        }
    }

    private static int IndexOfBox(IReadOnlyList<Detection> detections, Box box)
    {
        for (int i = 0; i < detections.Count; i++)
            if (detections[i].Box == box) return i;
        return -1;
    }

    /// <summary>
    /// How much a crop is worth to the tracklet: the detector's confidence, scaled down for small
    /// people, for boxes cut by the frame edge (a half person embeds as someone else), and for the part
    /// hidden by nearer people among <paramref name="detections"/> (that part embeds as them: two
    /// people walking together would otherwise each look like both). 0 = skip.
    /// </summary>
    private float Quality(Box box, float score, Frame frame, IReadOnlyList<Detection> detections)
    {
        if (box.Height < _options.MinCropHeight) return 0f;
        var inside = box.ClipTo(frame.Width, frame.Height);
        float visibleFraction = box.Area > 0 ? inside.Area / box.Area : 0f;
        if (visibleFraction < 0.6f) return 0f;
        float size = MathF.Min(1f, box.Height / 128f);
        float unhidden = 1f - Occlusion.HiddenFraction(box, detections.Select(d => d.Box));
        return MathF.Max(0.05f, score) * size * visibleFraction * unhidden;
    }

    private async Task IdentifyAsync(Track track, Frame frame, CancellationToken ct)
    {
        float[] tracklet = track.Appearance.Mean()!;
        var decision = await _resolver.ResolveAsync(tracklet, Excluded(track),
            $"{_idScope}\n{_cameraId}\n{track.Id}\n{frame.Number}", ct);
        track.PersonId = decision.PersonId;
        track.Similarity = decision.Similarity;
        // Decided from the first few crops (or against the local cache only): it may still change.
        track.IdentityStatus = IdentityStatus.Of(confirmed: false, degraded: decision.Degraded);
        _live.Acquire(decision.PersonId, _cameraId);
        _extras[track.Id].SamplesAtIdentification = track.Appearance.Count;
        _extras[track.Id].CreatedIdentity = decision.IsNew;
        _album?.Assign(_cameraId, track.Id, decision.PersonId);
        if (decision.IsNew) Stats.NewIdentities++; else Stats.Reidentified++;
        await _resolver.AddExemplarAsync(decision.PersonId, tracklet, _cameraId, frame.Timestamp, ct);
        await EmitAsync(track, TrackEventType.Identified, frame, ct);
    }

    /// <summary>
    /// A track is identified early, from a few crops, so consumers get an id quickly; once its
    /// appearance is well known (or it ends) the decision is checked again. If another identity now
    /// fits clearly better, the track changes identity (track.identified with the next revision).
    /// If the track's first identity was created by it alone, that identity was a duplicate of a
    /// known person: it is merged into the other (identity.merged), in the gallery too.
    /// </summary>
    private async Task ReconsiderAsync(Track track, Frame frame, CancellationToken ct)
    {
        var extras = _extras[track.Id];
        float[] tracklet = track.Appearance.Mean()!;
        string current = track.PersonId!;
        // An identity this track created, and nobody else took since, is only the track itself: a
        // person first seen while their earlier track was still live (so their identity was busy)
        // gets a duplicate that must yield to the real one once that is free.
        bool ownEvidence = extras.CreatedIdentity && _album?.TrackCount(current) == 1;
        var reconsidered = await _resolver.ReconsiderWithStatusAsync(tracklet, current, Excluded(track), ct, ownEvidence);
        var better = reconsidered.Better;
        // Confirmed with the fuller appearance: firm, unless the shared gallery could not be asked; then
        // the track stays provisional and asks again a little later, so it can become firm once the
        // gallery is back (not on every frame: each look searches the whole local cache).
        track.IdentityStatus = IdentityStatus.Of(confirmed: true, degraded: reconsidered.Degraded);
        extras.Reconsidered = !reconsidered.Degraded;
        if (extras.Reconsidered)
        {
            extras.SeenWith.Clear();
            extras.SeenWithIdentities.Clear();
        }
        if (reconsidered.Degraded) extras.RetryReconsiderationAt = frame.Number + _options.UpdateEvery;
        if (better is not null)
        {
            _live.Release(current, _cameraId);
            _live.Acquire(better.PersonId, _cameraId);
            track.PersonId = better.PersonId;
            track.Similarity = better.Similarity;
            track.IdentityRevision++;
            // Without an album (live) nobody knows which other tracks took this identity since, so it
            // is never merged away, only left behind by this track.
            if (extras.CreatedIdentity && _album?.TrackCount(current) == 1)
            {
                await _resolver.MergeAsync(current, better.PersonId, ct);
                _album?.Merge(current, better.PersonId);
                Stats.Merges++;
                await EmitAsync(track, TrackEventType.IdentityMerged, frame, ct, mergedPersonId: current);
            }
            else
            {
                _album?.Reassign(_cameraId, track.Id, current, better.PersonId);
                Stats.Revisions++;
            }
            extras.CreatedIdentity = false;
            await EmitAsync(track, TrackEventType.Identified, frame, ct);
        }
        await _resolver.AddExemplarAsync(track.PersonId!, tracklet, _cameraId, frame.Timestamp, ct);
    }

    private async Task EndAsync(Track track, Frame frame, CancellationToken ct)
    {
        // A track that never moved was never published: nothing to end or identify.
        if (!_extras[track.Id].Moved)
        {
            Stats.StaticTracks++;
            _extras.Remove(track.Id);
            return;
        }
        // A short track that never gathered enough crops is still identified from what it has,
        // so every ended track with any appearance carries a person id.
        if (track.PersonId is null && track.Appearance.Count > 0)
            await IdentifyAsync(track, frame, ct);
        else if (track.PersonId is not null && track.Appearance.Count > _extras[track.Id].SamplesAtIdentification)
        {
            if (_extras[track.Id].Reconsidered)
                await _resolver.AddExemplarAsync(track.PersonId, track.Appearance.Mean()!, _cameraId, frame.Timestamp, ct);
            else
                await ReconsiderAsync(track, frame, ct);
        }

        var extras = _extras[track.Id];
        _album?.Seen(_cameraId, track.Id, extras.FirstSeen, extras.LastSeen);
        await EmitAsync(track, TrackEventType.Ended, frame, ct);
        if (track.PersonId is not null) _live.Release(track.PersonId, _cameraId);
        _extras.Remove(track.Id);
        foreach (var other in _extras.Values)
            if (other.SeenWith.Remove(track) && track.PersonId is { } personId)
                other.SeenWithIdentities.Add(personId);
    }

    private async Task EmitAsync(Track track, string type, Frame frame, CancellationToken ct, string? mergedPersonId = null)
    {
        int seq = track.EventSequence++;
        var box = track.Box;
        var n = box.Normalize(frame.Width, frame.Height);
        var e = new TrackEvent
        {
            EventId = TrackEvent.MakeId(_idScope, _cameraId, track.Id, seq),
            Type = type,
            CameraId = _cameraId,
            TrackId = track.Id,
            Sequence = seq,
            PersonId = track.PersonId,
            IdentityRevision = track.IdentityRevision,
            IdentityStatus = track.PersonId is null ? null : track.IdentityStatus,
            Similarity = track.Similarity,
            Box = new EventBox(box.X, box.Y, box.Width, box.Height),
            BoxNormalized = new EventBox(n.X, n.Y, n.Width, n.Height),
            Timestamp = frame.Timestamp,
            TimestampSource = frame.TimestampSource,
            Frame = frame.Number,
            Source = _source,
            ModelVersion = _embedder.Metadata.Id,
            WorkerId = _workerId,
            MergedPersonId = mergedPersonId,
        };
        Stats.Events++;
        await _sink.PublishAsync(e, ct);
    }
}

/// <summary>Counters of one camera's replay, for the summary.</summary>
public sealed class CameraStats
{
    public long Frames;
    public long Detections;
    public int Tracks;
    public long Crops;
    public long EmbedCalls;
    public double EmbedSeconds;
    public long Events;
    /// <summary>Confirmed tracks that ended without ever moving (<see cref="PipelineOptions.StaticIou"/>): not published.</summary>
    public int StaticTracks;
    public int NewIdentities;
    public int Reidentified;
    /// <summary>Tracks whose identity changed after reconsideration.</summary>
    public int Revisions;
    /// <summary>Identities merged into another after reconsideration.</summary>
    public int Merges;
}
