namespace ReId.Core.Evaluation;

/// <summary>One camera's ground truth and predicted tracks, with who is who across cameras.</summary>
/// <param name="TruePerson">Ground-truth track id in this camera → real person.</param>
/// <param name="PredictedPerson">Predicted track id in this camera → global person id the worker gave it (absent: unidentified).</param>
public sealed record CameraIdentityData(
    string CameraId,
    IReadOnlyList<MotRow> GroundTruth,
    IReadOnlyList<MotRow> Predictions,
    IReadOnlyDictionary<int, string> TruePerson,
    IReadOnlyDictionary<int, string> PredictedPerson);

/// <param name="ConsistentPeople">Real people seen in 2+ cameras whose tracks there all carry one global id.</param>
/// <param name="MultiCameraPeople">Real people whose tracks were found (and identified) in 2+ cameras.</param>
/// <param name="ImpureIdentities">Global ids given to tracks of more than one real person.</param>
/// <param name="Identities">Global ids given to tracks matched to some real person.</param>
/// <param name="IdentifiedPeople">Real people with at least one identified track (in any camera).</param>
/// <param name="SplitPeople">Real people whose identified tracks carry 2+ global ids (in one camera or across cameras).</param>
/// <param name="MultiCamera">MTMC IDF1 and its counts: identity metrics over all cameras jointly, frame by frame.</param>
public sealed record CrossCameraIdentityResult(
    int ConsistentPeople, int MultiCameraPeople, int ImpureIdentities, int Identities,
    int MatchedTracks, int UnmatchedTracks, int IdentifiedPeople, int SplitPeople, MultiCameraIdentityResult MultiCamera)
{
    /// <summary>Fraction of multi-camera people who keep one global id across cameras (higher is better).</summary>
    public double Consistency => MultiCameraPeople == 0 ? double.NaN : (double)ConsistentPeople / MultiCameraPeople;

    /// <summary>Fraction of global ids that merge different real people (lower is better).</summary>
    public double Impurity => Identities == 0 ? double.NaN : (double)ImpureIdentities / Identities;
}

/// <summary>
/// Scores global identities across cameras, what single-camera MOT metrics cannot see: does a person
/// walking from one camera into another keep the same global id, and does a global id ever stand
/// for two different people. Each predicted track is first attributed to the real person it
/// overlaps (IoU >= 0.5) in most frames; tracks that overlap nobody are left out (they are MOT's
/// false positives, already counted there). These counts weigh every track alike, however long; the
/// multi-camera IDF1 (<see cref="MultiCameraIdentity"/>) weighs each frame and is the standard figure to compare.
/// </summary>
public static class CrossCameraIdentityScore
{
    public static CrossCameraIdentityResult Compute(IReadOnlyList<CameraIdentityData> cameras, double minIoU = 0.5)
    {
        // (real person, camera) → global ids of the predicted tracks attributed to them there.
        var idsOfPerson = new Dictionary<string, Dictionary<string, HashSet<string>>>(StringComparer.Ordinal);
        var peopleOfId = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        int matched = 0, unmatched = 0;

        foreach (var camera in cameras)
        {
            var gtByFrame = camera.GroundTruth.GroupBy(r => r.Frame).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var track in camera.Predictions.GroupBy(r => r.Id))
            {
                var votes = new Dictionary<int, int>();
                foreach (var row in track)
                {
                    if (!gtByFrame.TryGetValue(row.Frame, out var gts)) continue;
                    var best = gts.Select(g => (g.Id, IoU: BoxIou.Of(row, g))).MaxBy(p => p.IoU);
                    if (best.IoU >= minIoU) votes[best.Id] = votes.GetValueOrDefault(best.Id) + 1;
                }
                if (votes.Count == 0 || !camera.TruePerson.TryGetValue(votes.MaxBy(v => v.Value).Key, out var person))
                {
                    unmatched++;
                    continue;
                }
                matched++;
                if (!camera.PredictedPerson.TryGetValue(track.Key, out var globalId)) continue;
                if (!idsOfPerson.TryGetValue(person, out var perCamera)) idsOfPerson[person] = perCamera = new(StringComparer.Ordinal);
                if (!perCamera.TryGetValue(camera.CameraId, out var ids)) perCamera[camera.CameraId] = ids = new(StringComparer.Ordinal);
                ids.Add(globalId);
                if (!peopleOfId.TryGetValue(globalId, out var people)) peopleOfId[globalId] = people = new(StringComparer.Ordinal);
                people.Add(person);
            }
        }

        var multiCamera = idsOfPerson.Values.Where(perCamera => perCamera.Count >= 2).ToList();
        // Consistent: one global id present in every camera the person was tracked in.
        int consistent = multiCamera.Count(perCamera =>
            perCamera.Values.Skip(1).Aggregate(new HashSet<string>(perCamera.Values.First()), (common, ids) => { common.IntersectWith(ids); return common; }).Count > 0);
        return new CrossCameraIdentityResult(consistent, multiCamera.Count,
            peopleOfId.Values.Count(p => p.Count > 1), peopleOfId.Count, matched, unmatched,
            idsOfPerson.Count, idsOfPerson.Values.Count(perCamera => perCamera.Values.SelectMany(ids => ids).Distinct(StringComparer.Ordinal).Count() > 1),
            MultiCameraIdentity.Evaluate(cameras));
    }
}
