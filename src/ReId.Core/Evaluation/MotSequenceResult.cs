namespace ReId.Core.Evaluation;

/// <summary>All metric families for one sequence, or for several combined (then <see cref="Rules"/> is null
/// when they differ).</summary>
public sealed record MotSequenceResult(
    string Name,
    MotRules? Rules,
    int GtRowsIgnored,
    int PredRowsRemoved,
    ClearMotMetrics Clear,
    IdentityMetrics Identity,
    HotaMetrics Hota);
