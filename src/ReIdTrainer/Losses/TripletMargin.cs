namespace ReIdTrainer.Losses;

/// <summary>
/// How a triplet's distances d(a,p) and d(a,n) become its loss.
/// Hard: max(0, d(a,p) - d(a,n) + margin), zero once the negative is margin farther than the positive.
/// Soft: softplus(d(a,p) - d(a,n)) = log(1 + e^(d(a,p) - d(a,n))), never exactly zero, so it keeps
/// pulling without a margin to tune (Hermans et al. found it at least as good for re-ID).
/// </summary>
public sealed record TripletMargin
{
    private TripletMargin(float? value) => Value = value;

    /// <summary>The hinge margin, or null for the soft margin.</summary>
    public float? Value { get; }

    public bool IsSoft => Value is null;

    public static TripletMargin Soft { get; } = new((float?)null);

    public static TripletMargin Hard(float margin)
    {
        if (!(margin >= 0) || float.IsInfinity(margin))
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "triplet margin must be a finite number >= 0");
        return new TripletMargin(margin);
    }

    public override string ToString() => Value is { } m ? $"hard margin {m}" : "soft margin";
}
