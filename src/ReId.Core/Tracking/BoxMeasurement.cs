using ReId.Core.Geometry;

namespace ReId.Core.Tracking;

/// <summary>
/// A box as the Kalman filter observes it: centre, aspect ratio (width / height) and height. The
/// aspect ratio of a walking person barely changes while the height scales with distance, so the
/// two evolve independently, which corner coordinates would not.
/// </summary>
public readonly record struct BoxMeasurement(double CenterX, double CenterY, double Aspect, double Height)
{
    public static BoxMeasurement FromBox(Box box) =>
        new(box.CenterX, box.CenterY, box.Height > 0 ? (double)box.Width / box.Height : 0, box.Height);

    public Box ToBox()
    {
        double width = Aspect * Height;
        return new Box((float)(CenterX - width / 2), (float)(CenterY - Height / 2), (float)width, (float)Height);
    }
}
