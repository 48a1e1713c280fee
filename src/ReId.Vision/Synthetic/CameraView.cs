using OpenCvSharp;

namespace ReId.Vision.Synthetic;

/// <summary>
/// One camera of the scene: a level pinhole camera standing beside the walkway (the strip 0 &lt;= y &lt;= depth
/// of the ground plane), on the south side (looking north, +y) or the north side (looking south), so
/// the same walk is seen from the front by one camera and from the back by the next. Ground points map to
/// pixels by a plane homography: u = cx + sign * f * (x - centreX) / z, v = horizon + f * cameraHeight / z.
/// Each camera also has its own colour cast, brightness, blur, sensor noise and side the light comes from.
/// </summary>
public sealed record CameraView(
    string Id,
    int Index,
    bool FacesNorth,
    double CentreX,
    double Distance,
    double Focal,
    double Horizon,
    double CameraHeight,
    double WalkwayDepth,
    int Width,
    int Height,
    double GainB,
    double GainG,
    double GainR,
    double Brightness,
    double BlurSigma,
    double NoiseSigma,
    double LightFromLeft)
{
    /// <summary>Distance along the optical axis; at least <see cref="Distance"/> on the walkway.</summary>
    public double Depth(double y) => FacesNorth ? Distance + y : Distance + (WalkwayDepth - y);

    public Point2d Project(double x, double y)
    {
        double z = Depth(y);
        double sign = FacesNorth ? 1 : -1;
        return new Point2d(Width / 2.0 + sign * Focal * (x - CentreX) / z, Horizon + Focal * CameraHeight / z);
    }

    public double PixelHeight(double metres, double y) => Focal * metres / Depth(y);

    /// <summary>
    /// Cameras alternate sides and stand <paramref name="spacing"/> metres apart along the walkway; with
    /// horizontal views about 0.9 x depth wide, neighbouring views overlap on the far half of the walkway
    /// and leave a gap close to each camera.
    /// </summary>
    public static CameraView Create(int seed, int index, double spacing, double walkwayDepth, int width, int height)
    {
        var rng = new Random(SceneRandom.Mix(seed, index, 0xCA3));
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        double focal = height * U(1.35, 1.6) * Math.Min(1.0, width / (height * 4.0 / 3));
        double horizon = height * U(0.2, 0.3);
        double distance = U(3.5, 4.5);
        // Height chosen so the near edge of the walkway sits just above the bottom row.
        double cameraHeight = (height * 0.97 - horizon) * distance / focal;
        double warm = U(-0.12, 0.12), green = U(-0.06, 0.06);
        return new CameraView($"cam{index + 1}", index, index % 2 == 0, index * spacing, distance, focal, horizon, cameraHeight,
            walkwayDepth, width, height,
            GainB: 1 - warm + green / 2, GainG: 1 + green, GainR: 1 + warm + green / 2,
            Brightness: U(-25, 20), BlurSigma: U(0.5, 1.1), NoiseSigma: U(2, 5), LightFromLeft: U(-1, 1));
    }
}
