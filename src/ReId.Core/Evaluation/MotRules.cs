namespace ReId.Core.Evaluation;

/// <summary>
/// Which ground-truth conventions apply, as in TrackEval's MotChallenge2DBox preprocessing (the evaluator
/// behind the MOTChallenge leaderboards).
/// </summary>
public enum MotRules
{
    /// <summary>
    /// 2D MOT 2015: no classes (column 8 holds world coordinates or -1). Ground-truth rows whose
    /// flag (column 7) is 0 are dropped; every prediction is scored.
    /// </summary>
    Mot15,

    /// <summary>
    /// MOT16/MOT17: column 8 is a class id. A prediction that matches (IoU &gt;= 0.5, Hungarian over all
    /// ground-truth rows of the frame) a distractor (2 person on vehicle, 7 static person, 8 distractor,
    /// 12 reflection) is removed before scoring; then only pedestrian rows (class 1) with flag != 0 are kept.
    /// </summary>
    Mot17,

    /// <summary>As <see cref="Mot17"/>, with class 6 (non-MOT vehicle) also a distractor.</summary>
    Mot20,
}

/// <summary>Chooses <see cref="MotRules"/> for a ground-truth file when the user did not say.</summary>
public static class MotRulesDetection
{
    /// <summary>Class ids 1..13 of the MOT16/17/20 annotation.</summary>
    public const int MaxClassId = 13;

    /// <summary>
    /// MOT17 rules when every row carries an integral class id in 1..13 and, where present, a visibility in
    /// [0, 1] (MOT15 files carry world coordinates or -1 there, so they fail this test); MOT20 rules when
    /// such a sequence is named MOT20-*; MOT15 rules otherwise.
    /// </summary>
    public static MotRules Detect(IReadOnlyList<MotRow> groundTruth, string sequenceName)
    {
        bool classed = groundTruth.Count > 0 && groundTruth.All(r =>
            r.Class is { } c && c == Math.Floor(c) && c >= 1 && c <= MaxClassId
            && (r.Visibility is not { } v || (v >= 0 && v <= 1)));
        if (!classed) return MotRules.Mot15;
        return sequenceName.StartsWith("MOT20", StringComparison.OrdinalIgnoreCase) ? MotRules.Mot20 : MotRules.Mot17;
    }

    /// <summary>Distractor class ids whose matched predictions are removed before scoring.</summary>
    public static IReadOnlySet<int> DistractorClasses(this MotRules rules) => rules switch
    {
        MotRules.Mot17 => new HashSet<int> { 2, 7, 8, 12 },
        MotRules.Mot20 => new HashSet<int> { 2, 6, 7, 8, 12 },
        _ => new HashSet<int>(),
    };

    public static string DisplayName(this MotRules rules) => rules switch
    {
        MotRules.Mot15 => "MOT15",
        MotRules.Mot17 => "MOT17",
        MotRules.Mot20 => "MOT20",
        _ => rules.ToString(),
    };
}
