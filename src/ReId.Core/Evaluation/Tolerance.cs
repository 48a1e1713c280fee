namespace ReId.Core.Evaluation;

/// <summary>
/// The slack the reference evaluators put on their thresholds. Reproducing it exactly is what makes a pair at
/// IoU 0.49999999999999994 (0.5 after rounding) count as a match in both.
/// </summary>
internal static class Tolerance
{
    /// <summary>numpy's <c>np.finfo(float).eps</c>, 2^-52.</summary>
    public const double NumpyEps = 2.220446049250313e-16;

    /// <summary>Minimum IoU of a match for CLEAR MOT, identity metrics and distractor removal.</summary>
    public const double MatchIou = 0.5;
}
