using OpenCvSharp;

namespace ReId.Vision.Synthetic;

/// <summary>
/// The empty view of one camera: a paved walkway with joints in perspective, lawn beyond it and, at the
/// back, a building facade, a park edge or shop fronts depending on the camera. Backgrounds differ per
/// camera so a re-ID model cannot lean on them.
/// </summary>
public static class SceneBackground
{
    public static Mat Render(CameraView cam, int seed)
    {
        var rng = new Random(SceneRandom.Mix(seed, cam.Index, 0xB6));
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        Scalar Vary(Scalar c, double amount) => new(c.Val0 + U(-amount, amount), c.Val1 + U(-amount, amount), c.Val2 + U(-amount, amount));
        var img = new Mat(cam.Height, cam.Width, MatType.CV_8UC3, Scalar.All(0));
        double d = cam.WalkwayDepth;
        // Beyond the walkway: a lawn strip, then the backdrop, seen from either side.
        double farY = cam.FacesNorth ? d + 6 : -6;
        int backdropBase = (int)Math.Round(cam.Project(cam.CentreX, farY).Y);
        int style = cam.Index % 3;

        var lawn = style == 2 ? new Scalar(95, 120, 130) : Vary(new Scalar(55, 120, 75), 12);
        Cv2.Rectangle(img, new Rect(0, backdropBase, cam.Width, cam.Height - backdropBase), lawn, -1);
        DrawBackdrop(img, cam, style, backdropBase, rng);

        var paving = style switch { 0 => new Scalar(135, 135, 130), 1 => new Scalar(120, 150, 175), _ => new Scalar(90, 95, 140) };
        paving = Vary(paving, 10);
        Point Px(double x, double y) { var p = cam.Project(x, y); return new Point((int)Math.Round(p.X), (int)Math.Round(p.Y)); }
        double x0 = cam.CentreX - 40, x1 = cam.CentreX + 40;
        Cv2.FillPoly(img, [[Px(x0, 0), Px(x1, 0), Px(x1, d), Px(x0, d)]], paving, LineTypes.AntiAlias);
        var joint = new Scalar(paving.Val0 * 0.75, paving.Val1 * 0.75, paving.Val2 * 0.75);
        double tile = U(0.8, 1.4);
        for (double x = x0; x <= x1; x += tile)
            Cv2.Line(img, Px(x, 0), Px(x, d), joint, 1, LineTypes.AntiAlias);
        for (double y = 0; y <= d; y += tile)
            Cv2.Line(img, Px(x0, y), Px(x1, y), joint, 1, LineTypes.AntiAlias);
        var kerb = new Scalar(paving.Val0 * 0.6, paving.Val1 * 0.6, paving.Val2 * 0.6);
        Cv2.Line(img, Px(x0, d), Px(x1, d), kerb, 3, LineTypes.AntiAlias);
        Cv2.Line(img, Px(x0, 0), Px(x1, 0), kerb, 3, LineTypes.AntiAlias);

        // Stains and worn patches, so the walkway is not a flat colour a detector can lock onto.
        for (int i = 0; i < 120; i++)
        {
            double x = U(cam.CentreX - 15, cam.CentreX + 15), y = U(0, d);
            var c = Px(x, y);
            double scale = cam.Focal / cam.Depth(y);
            Cv2.Ellipse(img, c, new Size(Math.Max(1, scale * U(0.05, 0.35)), Math.Max(1, scale * U(0.02, 0.1))), 0, 0, 360,
                Vary(paving, 18), -1, LineTypes.AntiAlias);
        }

        using var grain = new Mat(img.Size(), MatType.CV_8UC3);
        Cv2.SetTheRNG((ulong)SceneRandom.Mix(seed, cam.Index, 0x6A1));
        Cv2.Randn(grain, Scalar.All(128), Scalar.All(7));
        Cv2.AddWeighted(img, 1, grain, 1, -128, img);
        Cv2.GaussianBlur(img, img, new Size(3, 3), 0.7);
        return img;
    }

    private static void DrawBackdrop(Mat img, CameraView cam, int style, int baseRow, Random rng)
    {
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        int w = cam.Width;
        switch (style)
        {
            case 0: // office facade with a window grid
            {
                var wall = new Scalar(U(120, 170), U(125, 170), U(125, 175));
                Cv2.Rectangle(img, new Rect(0, 0, w, baseRow), wall, -1);
                int cell = Math.Max(12, baseRow / 4);
                var glass = new Scalar(U(90, 120), U(70, 90), U(50, 70));
                for (int y = baseRow - cell; y > -cell; y -= cell)
                    for (int x = (int)U(0, cell / 2.0); x < w; x += cell)
                        Cv2.Rectangle(img, new Rect(x + cell / 6, y + cell / 6, cell * 2 / 3, cell * 2 / 3), glass, -1);
                int door = (int)U(0.1 * w, 0.8 * w);
                Cv2.Rectangle(img, new Rect(door, baseRow - cell, cell, cell), new Scalar(40, 50, 60), -1);
                break;
            }
            case 1: // park edge: sky, hedge, trees
            {
                Cv2.Rectangle(img, new Rect(0, 0, w, baseRow), new Scalar(235, 205, 170), -1);
                int hedgeTop = Math.Max(0, baseRow - Math.Max(8, baseRow / 4));
                Cv2.Rectangle(img, new Rect(0, hedgeTop, w, baseRow - hedgeTop), new Scalar(40, 95, 50), -1);
                for (int i = 0; i < 7; i++)
                {
                    int x = (int)U(0, w), r = (int)U(baseRow * 0.25, baseRow * 0.5) + 4;
                    Cv2.Rectangle(img, new Rect(x - 3, hedgeTop - r, 6, r), new Scalar(40, 60, 80), -1);
                    Cv2.Circle(img, new Point(x, hedgeTop - r), r, new Scalar(U(30, 60), U(100, 140), U(40, 70)), -1, LineTypes.AntiAlias);
                }
                break;
            }
            default: // shop fronts with signs
            {
                int x = 0;
                while (x < w)
                {
                    int width = (int)U(w * 0.15, w * 0.3);
                    var colour = new Scalar(U(40, 220), U(40, 220), U(40, 220));
                    Cv2.Rectangle(img, new Rect(x, 0, width, baseRow), colour, -1);
                    int sign = Math.Max(6, baseRow / 6);
                    Cv2.Rectangle(img, new Rect(x + 4, baseRow / 3, Math.Max(1, width - 8), sign), new Scalar(U(0, 255), U(0, 255), U(0, 255)), -1);
                    Cv2.Rectangle(img, new Rect(x + 6, baseRow / 3 + sign + 4, Math.Max(1, width - 12), Math.Max(1, baseRow - baseRow / 3 - sign - 6)),
                        new Scalar(U(60, 100), U(60, 90), U(50, 70)), -1);
                    x += width;
                }
                break;
            }
        }
    }
}
