using OpenCvSharp;

namespace ReId.Vision.Synthetic;

/// <summary>One person's ground truth on one frame: <paramref name="Box"/> lies inside the frame.</summary>
public sealed record GroundTruthBox(int Frame, int PersonId, Rect Box, double Visibility);

/// <summary>
/// A rendered frame and its ground truth. <see cref="Unannotated"/> holds where people were drawn but too
/// little of them is inside the frame to annotate. Owns <see cref="Image"/>.
/// </summary>
public sealed class RenderedFrame(Mat image, IReadOnlyList<GroundTruthBox> boxes, IReadOnlyList<Rect> unannotated) : IDisposable
{
    public Mat Image { get; } = image;
    public IReadOnlyList<GroundTruthBox> Boxes { get; } = boxes;
    public IReadOnlyList<Rect> Unannotated { get; } = unannotated;
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// A synthetic multi-camera scene. The world is a straight walkway, <see cref="WalkwayDepth"/> metres
/// wide, along the x axis; cameras stand beside it every <see cref="CameraSpacing"/> metres, alternating
/// sides (see <see cref="CameraView"/>). People walk up and down the whole walkway, so they leave one
/// view and enter the next, alone or in pairs, and cross each other. Each camera also has a planter
/// on its near side that hides people's legs as they pass behind it.
///
/// Ground truth follows MOTChallenge: one row per person per frame while at least
/// <see cref="MinInFrameFraction"/> of their silhouette is inside the frame, however occluded they are;
/// the box is the tight box of their in-frame silhouette; visibility is the fraction of their whole
/// silhouette that is drawn (not hidden by nearer people or the planter, not outside the frame).
/// The gt id of a person is their global person number in every camera.
/// </summary>
public sealed class Scene : IDisposable
{
    public const double WalkwayDepth = 8, CameraSpacing = 6.5, WorldMargin = 5, StrideMetres = 1.4, PersonHeightMetres = 1.72;
    public const double MinInFrameFraction = 0.3;
    private const int NoiseFrames = 4;
    private const byte PropLabel = 255;

    private sealed record Planter(double X, double Y, double Width, double Height, Scalar Colour);

    private readonly Mat[] _backgrounds;
    private readonly Mat[][] _noise;
    private readonly Planter[] _planters;
    private readonly double[] _phaseOffsets;

    public SceneOptions Options { get; }
    public IReadOnlyList<CameraView> Cameras { get; }
    public IReadOnlyList<PersonAppearance> People { get; }
    public IReadOnlyList<WalkPath> Paths { get; }
    public double XMin { get; }
    public double XMax { get; }

    public Scene(SceneOptions options)
    {
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        Options = options;
        XMin = -WorldMargin;
        XMax = (options.Cameras - 1) * CameraSpacing + WorldMargin;
        Cameras = Enumerable.Range(0, options.Cameras)
            .Select(i => CameraView.Create(options.Seed, i, CameraSpacing, WalkwayDepth, options.Width, options.Height)).ToList();
        People = Enumerable.Range(1, options.People).Select(id => PersonAppearance.Generate(options.Seed, id)).ToList();
        double duration = options.Frames / options.Fps;
        var paths = new List<WalkPath>();
        for (int id = 1; id <= options.People; id++)
        {
            // Persons 2, 6, 10, ... walk beside the person before them: groups are the hard case for trackers.
            paths.Add(id % 4 == 2
                ? WalkPath.Beside(paths[id - 2], id - 1, 0.55)
                : WalkPath.Random(options.Seed, id, XMin, XMax, WalkwayDepth, duration));
        }
        Paths = paths;
        _phaseOffsets = Enumerable.Range(1, options.People)
            .Select(id => new Random(SceneRandom.Mix(options.Seed, id, 0xF0)).NextDouble() * 2 * Math.PI).ToArray();
        _planters = Cameras.Select(c =>
        {
            var rng = new Random(SceneRandom.Mix(options.Seed, c.Index, 0x9A));
            double nearY = rng.NextDouble() * 2 + 1;
            return new Planter(c.CentreX + (rng.NextDouble() * 4 - 2), c.FacesNorth ? nearY : WalkwayDepth - nearY, 1.4, 0.6,
                new Scalar(90 + rng.Next(40), 95 + rng.Next(40), 100 + rng.Next(40)));
        }).ToArray();
        _backgrounds = Cameras.Select(c => SceneBackground.Render(c, options.Seed)).ToArray();
        _noise = Cameras.Select(c =>
        {
            Cv2.SetTheRNG((ulong)SceneRandom.Mix(options.Seed, c.Index, 0x401));
            return Enumerable.Range(0, NoiseFrames).Select(_ =>
            {
                var n = new Mat(options.Height, options.Width, MatType.CV_8UC3);
                Cv2.Randn(n, Scalar.All(128), Scalar.All(c.NoiseSigma));
                return n;
            }).ToArray();
        }).ToArray();
    }

    /// <summary>Frame <paramref name="frame"/> (1-based) of camera <paramref name="camera"/> (0-based).
    /// Without people, the same frame shows only the empty scene, with the same cast, blur and noise.</summary>
    public RenderedFrame Render(int camera, int frame, bool people = true)
    {
        var cam = Cameras[camera];
        double t = (frame - 1) / Options.Fps;
        var image = _backgrounds[camera].Clone();
        try
        {
            using var labels = new Mat(image.Size(), MatType.CV_8UC1, Scalar.All(0));
            var drawn = new List<(int PersonId, Rect Box, int Pixels)>();
            var unannotated = new List<Rect>();

            var items = new List<(double Depth, Action Draw)>();
            var planter = _planters[camera];
            items.Add((cam.Depth(planter.Y), () => DrawPlanter(image, labels, cam, planter)));
            if (people)
            {
                for (int i = 0; i < People.Count; i++)
                {
                    int index = i;
                    var state = Paths[i].At(t);
                    items.Add((cam.Depth(state.Y), () =>
                    {
                        if (DrawPerson(image, labels, cam, index, state, unannotated) is { } d) drawn.Add(d);
                    }));
                }
            }
            // Painter's order: farther first, so nearer people and the planter hide those behind them.
            foreach (var item in items.OrderByDescending(i => i.Depth)) item.Draw();

            var boxes = new List<GroundTruthBox>();
            using (var same = new Mat())
            {
                foreach (var d in drawn)
                {
                    using var roi = new Mat(labels, d.Box);
                    Cv2.InRange(roi, Scalar.All(d.PersonId), Scalar.All(d.PersonId), same);
                    boxes.Add(new GroundTruthBox(frame, d.PersonId, d.Box, Math.Round((double)Cv2.CountNonZero(same) / d.Pixels, 3)));
                }
            }
            Finish(image, cam, frame, t);
            return new RenderedFrame(image, boxes.OrderBy(b => b.PersonId).ToList(), unannotated);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private (int PersonId, Rect Box, int Pixels)? DrawPerson(Mat image, Mat labels, CameraView cam, int index, WalkState state, List<Rect> unannotated)
    {
        var look = People[index];
        double z = cam.Depth(state.Y);
        if (z < 0.5) return null;
        var feet = cam.Project(state.X, state.Y);
        double height = cam.PixelHeight(PersonHeightMetres * look.HeightFactor, state.Y);
        if (feet.X + height < 0 || feet.X - height > image.Width) return null;

        var pose = new PersonPose(FacingIn(cam, state), 2 * Math.PI * state.Distance / StrideMetres + _phaseOffsets[index], state.Walking);
        using var sprite = PersonRenderer.Render(look, pose, (int)Math.Round(height), cam.LightFromLeft);
        var placed = new Rect((int)Math.Round(feet.X) - sprite.Feet.X, (int)Math.Round(feet.Y) - sprite.Feet.Y, sprite.Image.Width, sprite.Image.Height);
        var clip = placed & new Rect(0, 0, image.Width, image.Height);
        if (clip.Width <= 0 || clip.Height <= 0) return null;

        var source = new Rect(clip.X - placed.X, clip.Y - placed.Y, clip.Width, clip.Height);
        using var spriteRoi = new Mat(sprite.Image, source);
        using var maskRoi = new Mat(sprite.Mask, source);
        using var imageRoi = new Mat(image, clip);
        using var labelRoi = new Mat(labels, clip);
        spriteRoi.CopyTo(imageRoi, maskRoi);
        labelRoi.SetTo(Scalar.All(look.PersonId), maskRoi);

        int pixels = Cv2.CountNonZero(sprite.Mask), inFrame = Cv2.CountNonZero(maskRoi);
        if (pixels == 0 || inFrame < MinInFrameFraction * pixels)
        {
            if (inFrame > 0) unannotated.Add(clip);
            return null;
        }
        using var points = new Mat();
        Cv2.FindNonZero(maskRoi, points);
        var tight = Cv2.BoundingRect(points);
        return (look.PersonId, new Rect(tight.X + clip.X, tight.Y + clip.Y, tight.Width, tight.Height), pixels);
    }

    /// <summary>Front and back views come from walking along the optical axis; otherwise the side view.</summary>
    private static Facing FacingIn(CameraView cam, WalkState s)
    {
        if (!s.Walking) return Facing.Towards;
        double across = cam.FacesNorth ? s.Vx : -s.Vx;
        double away = cam.FacesNorth ? s.Vy : -s.Vy;
        if (Math.Abs(away) > 1.2 * Math.Abs(across)) return away > 0 ? Facing.Away : Facing.Towards;
        return across > 0 ? Facing.Right : Facing.Left;
    }

    private static void DrawPlanter(Mat image, Mat labels, CameraView cam, Planter p)
    {
        var left = cam.Project(p.X - p.Width / 2, p.Y);
        var right = cam.Project(p.X + p.Width / 2, p.Y);
        double height = cam.PixelHeight(p.Height, p.Y);
        int x0 = (int)Math.Round(Math.Min(left.X, right.X)), x1 = (int)Math.Round(Math.Max(left.X, right.X));
        int bottom = (int)Math.Round(left.Y), top = (int)Math.Round(left.Y - height);
        var body = new Rect(x0, top, Math.Max(1, x1 - x0), Math.Max(1, bottom - top));
        var foliage = new Point((x0 + x1) / 2, top);
        var foliageSize = new Size(Math.Max(1, (x1 - x0) / 2), Math.Max(1, (int)(height * 0.45)));
        foreach (var (target, fill, leaves) in new[] { (image, p.Colour, new Scalar(40, 110, 55)), (labels, Scalar.All(PropLabel), Scalar.All(PropLabel)) })
        {
            Cv2.Ellipse(target, foliage, foliageSize, 0, 180, 360, leaves, -1, LineTypes.Link8);
            Cv2.Rectangle(target, body, fill, -1);
        }
        Cv2.Line(image, new Point(x0, top), new Point(x1, top), new Scalar(p.Colour.Val0 * 0.7, p.Colour.Val1 * 0.7, p.Colour.Val2 * 0.7), Math.Max(1, body.Height / 10));
    }

    /// <summary>The camera's colour cast and slowly drifting exposure, lens blur, then sensor noise.</summary>
    private void Finish(Mat image, CameraView cam, int frame, double t)
    {
        double exposure = cam.Brightness + 8 * Math.Sin(2 * Math.PI * t / 17 + cam.Index);
        using (var m = new Mat(3, 4, MatType.CV_32FC1, Scalar.All(0)))
        {
            m.Set(0, 0, (float)cam.GainB);
            m.Set(1, 1, (float)cam.GainG);
            m.Set(2, 2, (float)cam.GainR);
            for (int r = 0; r < 3; r++) m.Set(r, 3, (float)exposure);
            Cv2.Transform(image, image, m);
        }
        Cv2.GaussianBlur(image, image, new Size(0, 0), cam.BlurSigma);
        Cv2.AddWeighted(image, 1, _noise[cam.Index][(frame - 1) % NoiseFrames], 1, -128, image);
    }

    public void Dispose()
    {
        foreach (var b in _backgrounds) b.Dispose();
        foreach (var n in _noise.SelectMany(n => n)) n.Dispose();
    }
}
