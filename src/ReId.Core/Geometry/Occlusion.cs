namespace ReId.Core.Geometry;

/// <summary>
/// How much of a person's box other people hide. A fixed camera looks down on people standing on one
/// floor, so the box that reaches lower in the image belongs to the person nearer the camera
/// (SparseTrack's pseudo-depth), and that person hides whatever of the other box they overlap.
/// </summary>
public static class Occlusion
{
    /// <summary>
    /// The fraction of <paramref name="box"/> covered by the nearer ones among <paramref name="others"/>
    /// (boxes reaching lower in the image), in [0, 1]. Where nearer people overlap each other too,
    /// their shared part is counted twice, so the fraction errs towards hidden; the box itself, if it
    /// is among the others, does not count.
    /// </summary>
    public static float HiddenFraction(Box box, IEnumerable<Box> others)
    {
        if (box.Area <= 0) return 0f;
        float covered = 0f;
        foreach (var other in others)
            if (other.Bottom > box.Bottom && other != box)
                covered += box.IntersectionArea(other);
        return MathF.Min(1f, covered / box.Area);
    }
}
