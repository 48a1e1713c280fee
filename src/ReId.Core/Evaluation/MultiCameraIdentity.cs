namespace ReId.Core.Evaluation;

/// <summary>
/// Multi-camera identity metrics (MTMC IDF1, Ristani et al. 2016, the DukeMTMC "multi-camera" score).
/// </summary>
/// <param name="Identity">IDTP / IDFN / IDFP over all cameras jointly, and the IDF1, IDP and IDR they give.</param>
/// <param name="People">Ground-truth identities scored: real people (one per person however many cameras saw them).</param>
/// <param name="PredictedIds">Predicted identities scored: global person ids, plus one per unidentified track.</param>
public sealed record MultiCameraIdentityResult(IdentityMetrics Identity, int People, int PredictedIds);

/// <summary>
/// Scores global identities as one MOT sequence over all cameras: every (camera, frame) is its own frame,
/// ground-truth ids are the real people and predicted ids are the global person ids. Each real person is then
/// paired with one global id for the whole scene, so a global id that follows a person through two cameras earns
/// IDTP in both, while a person split over two global ids, or two people merged under one, loses the frames of
/// the smaller part. Single-camera IDF1 cannot see either mistake. Reuses the single-sequence machinery
/// (<see cref="MotPreprocessor"/>, <see cref="IdentityMatching"/>) on relabelled rows rather than a matcher of its own.
/// </summary>
public static class MultiCameraIdentity
{
    public static MultiCameraIdentityResult Evaluate(IReadOnlyList<CameraIdentityData> cameras)
    {
        // Frames of different cameras never share a box: give each camera its own range of frame numbers.
        long stride = 1 + cameras.SelectMany(c => c.GroundTruth.Concat(c.Predictions)).Select(r => (long)r.Frame).DefaultIfEmpty(0).Max();
        if (stride * cameras.Count > int.MaxValue)
            throw new ArgumentException($"{cameras.Count} cameras with frame numbers up to {stride - 1} do not fit one joint sequence; score fewer or shorter cameras");

        var people = new IdLabels();
        var predictedIds = new IdLabels();
        var groundTruth = new List<MotRow>();
        var predictions = new List<MotRow>();
        for (int i = 0; i < cameras.Count; i++)
        {
            var camera = cameras[i];
            int offset = (int)(i * stride);
            // A ground-truth track without cross-camera truth is a person of its own.
            foreach (var row in camera.GroundTruth)
                groundTruth.Add(row with
                {
                    Frame = offset + row.Frame,
                    Id = camera.TruePerson.TryGetValue(row.Id, out var person) ? people.Of(person) : people.Of(camera.CameraId, row.Id),
                });

            var gtByFrame = camera.GroundTruth.GroupBy(r => r.Frame).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var frame in camera.Predictions.GroupBy(r => r.Frame))
            {
                var gts = gtByFrame.GetValueOrDefault(frame.Key, []);
                var kept = new Dictionary<string, List<MotRow>>(StringComparer.Ordinal);
                foreach (var row in frame.OrderBy(r => r.Id))
                {
                    int id;
                    if (!camera.PredictedPerson.TryGetValue(row.Id, out var globalId)) id = predictedIds.Of(camera.CameraId, row.Id);
                    else if (CoversSamePerson(row, kept.GetValueOrDefault(globalId, []), gts)) id = predictedIds.Of(camera.CameraId, row.Id);
                    else
                    {
                        if (!kept.TryGetValue(globalId, out var boxes)) kept[globalId] = boxes = [];
                        boxes.Add(row);
                        id = predictedIds.Of(globalId);
                    }
                    predictions.Add(row with { Frame = offset + row.Frame, Id = id });
                }
            }
        }

        var sequence = MotPreprocessor.Prepare("all cameras", groundTruth, predictions, MotRules.Mot15);
        return new MultiCameraIdentityResult(IdentityMatching.Evaluate(sequence), sequence.GtTrackCount, sequence.PredTrackCount);
    }

    /// <summary>
    /// Scoring each track under its final id can put one global id on two tracks live at once (e.g. after an identity
    /// merge). On two different people that is a merge and is scored as one (the id cannot match both). On one person
    /// (duplicate tracks) the matcher would count the person's frame twice, so such a second box is scored under an id
    /// of its own, as the duplicate it is.
    /// </summary>
    private static bool CoversSamePerson(MotRow row, List<MotRow> sameId, List<MotRow> groundTruth) =>
        sameId.Count > 0 && groundTruth.Any(g => BoxIou.Of(row, g) >= Tolerance.MatchIou && sameId.Any(k => BoxIou.Of(k, g) >= Tolerance.MatchIou));

    /// <summary>
    /// Integer labels for string identities and for (camera, track) pairs standing alone; the two never collide,
    /// whatever the strings look like.
    /// </summary>
    private sealed class IdLabels
    {
        private readonly Dictionary<(string? Camera, string Id), int> _labels = new();

        public int Of(string identity) => Label((null, identity));

        public int Of(string camera, int track) => Label((camera, track.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        private int Label((string?, string) key)
        {
            if (!_labels.TryGetValue(key, out int label)) _labels[key] = label = _labels.Count;
            return label;
        }
    }
}
