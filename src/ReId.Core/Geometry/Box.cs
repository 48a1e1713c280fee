namespace ReId.Core.Geometry;

/// <summary>An axis-aligned box in pixels: top-left corner plus size, as MOTChallenge files store it.</summary>
public readonly record struct Box(float X, float Y, float Width, float Height)
{
    public float Right => X + Width;
    public float Bottom => Y + Height;
    public float Area => Width > 0 && Height > 0 ? Width * Height : 0f;
    public float CenterX => X + Width / 2f;
    public float CenterY => Y + Height / 2f;

    public static Box FromCorners(float left, float top, float right, float bottom) =>
        new(left, top, right - left, bottom - top);

    public float IntersectionArea(Box other)
    {
        float w = MathF.Min(Right, other.Right) - MathF.Max(X, other.X);
        float h = MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y);
        return w > 0 && h > 0 ? w * h : 0f;
    }

    /// <summary>Intersection over union; 0 for disjoint or empty boxes.</summary>
    public float IoU(Box other)
    {
        float inter = IntersectionArea(other);
        float union = Area + other.Area - inter;
        return union > 0 ? inter / union : 0f;
    }

    /// <summary>
    /// Overlap of the two boxes' vertical extents over their union (Hybrid-SORT's height IoU): 1 for
    /// boxes with the same top and bottom, whatever their widths; 0 when they share no row.
    /// </summary>
    public float HeightIoU(Box other)
    {
        float inter = MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y);
        float union = MathF.Max(Bottom, other.Bottom) - MathF.Min(Y, other.Y);
        return inter > 0 && union > 0 ? inter / union : 0f;
    }

    /// <summary>The part of the box inside a width x height image (may be empty).</summary>
    public Box ClipTo(int width, int height)
    {
        float l = Math.Clamp(X, 0, width), t = Math.Clamp(Y, 0, height);
        float r = Math.Clamp(Right, 0, width), b = Math.Clamp(Bottom, 0, height);
        return FromCorners(l, t, MathF.Max(l, r), MathF.Max(t, b));
    }

    /// <summary>The box in [0,1] image coordinates.</summary>
    public Box Normalize(int width, int height) =>
        new(X / width, Y / height, Width / width, Height / height);

    public override string ToString() => $"[{X:0.#},{Y:0.#} {Width:0.#}x{Height:0.#}]";
}
