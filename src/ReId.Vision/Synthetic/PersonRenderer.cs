using OpenCvSharp;

namespace ReId.Vision.Synthetic;

/// <summary>
/// Draws a person (head, hair, torso with its pattern, arms, legs, shoes, bag, cap) with anti-aliased
/// OpenCV primitives. Proportions are fractions of the pixel height so the same person looks the same
/// at every distance; the walk phase swings legs and arms; the side views show the bag on one side
/// only and the back view shows the backpack, which is what makes re-ID across viewpoints hard.
/// </summary>
public static class PersonRenderer
{
    /// <summary>
    /// Draws <paramref name="a"/> <paramref name="heightPx"/> pixels tall (head to sole), lit from the image's
    /// left (<paramref name="lightFromLeft"/> &gt; 0) or right (&lt; 0), in [-1, 1].
    /// </summary>
    public static PersonSprite Render(PersonAppearance a, PersonPose pose, int heightPx, double lightFromLeft = 0)
    {
        int h = Math.Max(heightPx, 24);
        int w = (int)Math.Ceiling(0.8 * h) + 4;
        var image = new Mat(h + 4, w, MatType.CV_8UC3, Scalar.All(0));
        var feet = new Point(w / 2, h + 1);
        var figure = new Figure(image, a, pose, h, feet);
        if (pose.Facing is Facing.Left or Facing.Right) figure.DrawSide();
        else figure.DrawFrontOrBack(pose.Facing == Facing.Away);

        Light(image, Math.Clamp(lightFromLeft, -1, 1));

        // Every palette colour is non-zero, so non-zero pixels are exactly the figure.
        var mask = new Mat();
        using (var gray = new Mat())
        {
            Cv2.CvtColor(image, gray, ColorConversionCodes.BGR2GRAY);
            Cv2.Threshold(gray, mask, 0, 255, ThresholdTypes.Binary);
        }
        return new PersonSprite(image, mask, feet);
    }

    /// <summary>
    /// Shading across the body (the side away from the light is darker) and down it (legs get less light
    /// than shoulders): flat colours would make colour histograms an easy, unrealistic cue.
    /// </summary>
    private static void Light(Mat image, double fromLeft)
    {
        int w = image.Width, h = image.Height;
        using var across = new Mat(1, w, MatType.CV_32FC1);
        for (int x = 0; x < w; x++) across.Set(0, x, (float)(1 + 0.3 * fromLeft * (0.5 - (double)x / w)));
        using var down = new Mat(h, 1, MatType.CV_32FC1);
        for (int y = 0; y < h; y++) down.Set(y, 0, (float)(1.08 - 0.2 * y / h));
        using var acrossFull = new Mat();
        using var downFull = new Mat();
        Cv2.Repeat(across, h, 1, acrossFull);
        Cv2.Repeat(down, 1, w, downFull);
        using var gain = new Mat();
        Cv2.Multiply(acrossFull, downFull, gain);
        using var gain3 = new Mat();
        Cv2.Merge([gain, gain, gain], gain3);
        using var pixels = new Mat();
        image.ConvertTo(pixels, MatType.CV_32FC3);
        Cv2.Multiply(pixels, gain3, pixels);
        pixels.ConvertTo(image, MatType.CV_8UC3);
    }

    private sealed class Figure(Mat img, PersonAppearance a, PersonPose pose, int h, Point feet)
    {
        private const double ShoulderY = 0.175, HipY = 0.5, HeadY = 0.07;
        private readonly double _wf = a.WidthFactor;
        private readonly int _s = pose.Facing == Facing.Left ? -1 : 1;
        private double _bob;

        private Point P(double x, double y) =>
            new(feet.X + (int)Math.Round(x * h), feet.Y - h + (int)Math.Round((y + _bob) * h));
        private int T(double fraction) => Math.Max(1, (int)Math.Round(fraction * h));
        private static Scalar Shade(Scalar c, double f) => new(Math.Max(14, c.Val0 * f), Math.Max(14, c.Val1 * f), Math.Max(14, c.Val2 * f));

        private void Line(double x1, double y1, double x2, double y2, Scalar c, double thickness) =>
            Cv2.Line(img, P(x1, y1), P(x2, y2), c, T(thickness), LineTypes.AntiAlias);
        private void Poly(Scalar c, params (double X, double Y)[] pts) =>
            Cv2.FillPoly(img, [pts.Select(p => P(p.X, p.Y)).ToArray()], c, LineTypes.AntiAlias);
        private void Ell(double x, double y, double rx, double ry, Scalar c, double start = 0, double end = 360) =>
            Cv2.Ellipse(img, P(x, y), new Size(T(rx), T(ry)), 0, start, end, c, -1, LineTypes.AntiAlias);
        private void Dot(double x, double y, double r, Scalar c) => Cv2.Circle(img, P(x, y), T(r), c, -1, LineTypes.AntiAlias);

        private bool Walking => pose.Walking;
        private double Phase => pose.WalkPhase;

        public void DrawFrontOrBack(bool back)
        {
            double sh = 0.115 * _wf, hip = 0.092 * _wf, legX = 0.048 * _wf;
            // Seen from the front, the person's right is on the image's left.
            int bagX = (a.BagSide == BodySide.Right) == back ? 1 : -1;
            double liftL = Walking ? 0.035 * Math.Max(0, Math.Sin(Phase)) : 0;
            double liftR = Walking ? 0.035 * Math.Max(0, -Math.Sin(Phase)) : 0;

            DrawLegFront(-legX, liftL);
            DrawLegFront(legX, liftR);
            if (a.LowerStyle != LowerStyle.Skirt)
                Poly(a.Lower.Bgr, (-hip, HipY - 0.02), (hip, HipY - 0.02), (hip * 0.9, HipY + 0.07), (-hip * 0.9, HipY + 0.07));
            else
                Poly(a.Lower.Bgr, (-hip, HipY - 0.02), (hip, HipY - 0.02), (hip * 1.55, 0.74), (-hip * 1.55, 0.74));

            Torso(back, [(-sh, ShoulderY + 0.01), (sh, ShoulderY + 0.01), (hip, HipY + 0.02), (-hip, HipY + 0.02)]);
            Ell(-sh + 0.02, ShoulderY + 0.025, 0.035 * _wf, 0.025, a.Upper.Bgr);
            Ell(sh - 0.02, ShoulderY + 0.025, 0.035 * _wf, 0.025, a.Upper.Bgr);

            if (!back && a.Bag == BagKind.Backpack)
            {
                Line(-0.06 * _wf, ShoulderY + 0.005, -0.055 * _wf, 0.37, Shade(a.BagColour.Bgr, 0.8), 0.018);
                Line(0.06 * _wf, ShoulderY + 0.005, 0.055 * _wf, 0.37, Shade(a.BagColour.Bgr, 0.8), 0.018);
            }
            if (a.Bag == BagKind.ShoulderBag)
                Line(-bagX * (sh - 0.03), ShoulderY + 0.005, bagX * (hip + 0.02), 0.44, Shade(a.BagColour.Bgr, 0.8), 0.016);

            double swing = Walking ? 0.03 * Math.Sin(Phase) : 0;
            DrawArmFront(-1, sh, swing);
            DrawArmFront(1, sh, -swing);

            Poly(a.Skin.Bgr, (-0.022, 0.12), (0.022, 0.12), (0.024, ShoulderY + 0.01), (-0.024, ShoulderY + 0.01));
            Ell(0, HeadY, 0.05, 0.066, a.Skin.Bgr);
            if (back)
            {
                Ell(0, HeadY - 0.004, 0.054, 0.066, a.Hair.Bgr);
                if (a.HairLength == HairLength.Long)
                    Poly(a.Hair.Bgr, (-0.055, HeadY), (0.055, HeadY), (0.065, 0.235), (-0.065, 0.235));
            }
            else
            {
                if (a.HairLength == HairLength.Long)
                {
                    Poly(a.Hair.Bgr, (-0.058, HeadY - 0.01), (-0.04, HeadY - 0.01), (-0.045, 0.2), (-0.065, 0.2));
                    Poly(a.Hair.Bgr, (0.04, HeadY - 0.01), (0.058, HeadY - 0.01), (0.065, 0.2), (0.045, 0.2));
                }
                Ell(0, HeadY - 0.012, 0.053, 0.058, a.Hair.Bgr, 180, 360);
                var eye = Shade(a.Skin.Bgr, 0.45);
                Dot(-0.018, HeadY + 0.005, 0.006, eye);
                Dot(0.018, HeadY + 0.005, 0.006, eye);
            }
            if (a.Hat is { } hat)
            {
                Ell(0, HeadY - 0.02, 0.056, 0.05, hat.Bgr, 180, 360);
                if (!back) Ell(0, HeadY - 0.02, 0.06, 0.012, Shade(hat.Bgr, 0.8));
            }

            if (back && a.Bag == BagKind.Backpack)
            {
                Poly(a.BagColour.Bgr, (-0.085 * _wf, 0.2), (0.085 * _wf, 0.2), (0.09 * _wf, 0.43), (-0.09 * _wf, 0.43));
                Poly(Shade(a.BagColour.Bgr, 0.75), (-0.06 * _wf, 0.33), (0.06 * _wf, 0.33), (0.062 * _wf, 0.41), (-0.062 * _wf, 0.41));
            }
            if (a.Bag == BagKind.ShoulderBag)
            {
                double x = bagX * (hip + 0.045);
                Poly(a.BagColour.Bgr, (x - 0.04, 0.42), (x + 0.04, 0.42), (x + 0.042, 0.52), (x - 0.042, 0.52));
            }
        }

        private void DrawLegFront(double x, double lift)
        {
            double ankle = 0.955 - lift, knee = 0.73 - lift / 2;
            double thick = 0.075 * _wf;
            switch (a.LowerStyle)
            {
                case LowerStyle.Trousers:
                    Line(x, HipY, x * 1.05, ankle, a.Lower.Bgr, thick);
                    break;
                case LowerStyle.Shorts:
                    Line(x * 1.05, knee, x * 1.05, ankle, a.Skin.Bgr, thick * 0.75);
                    Line(x, HipY, x * 1.05, knee - 0.03, a.Lower.Bgr, thick * 1.1);
                    break;
                default:
                    Line(x, HipY + 0.1, x * 1.05, ankle, a.Skin.Bgr, thick * 0.7);
                    break;
            }
            Ell(x * 1.05, ankle + 0.02, 0.034 * _wf, 0.02, a.Shoes.Bgr);
        }

        private void DrawArmFront(int side, double sh, double swing)
        {
            double x0 = side * (sh - 0.015), elbowX = side * (sh + 0.012), handX = side * (sh + 0.005);
            double elbowY = 0.34 + swing / 2, handY = 0.49 + swing;
            double thick = 0.05 * _wf;
            Line(x0, ShoulderY + 0.03, elbowX, elbowY, Shade(a.Upper.Bgr, 0.92), thick);
            Line(elbowX, elbowY, handX, handY, a.ShortSleeves ? a.Skin.Bgr : Shade(a.Upper.Bgr, 0.92), thick * 0.9);
            Dot(handX, handY + 0.01, 0.022, a.Skin.Bgr);
        }

        public void DrawSide()
        {
            double td = 0.068 * _wf;
            double swing = Walking ? 0.42 * Math.Sin(Phase) : 0;
            var near = LegSide(swing, Phase);
            var far = LegSide(-swing, Phase + Math.PI);
            // The lower foot stands on the ground: the body bobs instead of the feet floating.
            _bob = 0.955 - Math.Max(near.AnkleY, far.AnkleY);

            bool bagNear = (a.BagSide == BodySide.Left) == (_s == 1);
            if (a.Bag == BagKind.ShoulderBag && !bagNear) SideBag(0.75);
            DrawArmSide(swing, 0.7);
            DrawLegSide(far, 0.72);
            DrawLegSide(near, 1.0);
            if (a.LowerStyle == LowerStyle.Skirt)
                Poly(a.Lower.Bgr, (-td * _s, HipY - 0.02), (td * _s, HipY - 0.02), (0.1 * _s, 0.74), (-0.1 * _s, 0.74));
            else
                Poly(a.Lower.Bgr, (-td * _s, HipY - 0.02), (td * _s, HipY - 0.02), (td * 0.9 * _s, HipY + 0.06), (-td * 0.9 * _s, HipY + 0.06));
            if (a.Bag == BagKind.Backpack)
            {
                Poly(a.BagColour.Bgr, (-(td - 0.005) * _s, 0.2), (-(td + 0.06) * _s, 0.215), (-(td + 0.065) * _s, 0.42), (-(td - 0.005) * _s, 0.43));
            }
            Torso(false, [(-td * _s, ShoulderY + 0.01), ((td + 0.01) * _s, ShoulderY + 0.01), (td * 0.95 * _s, HipY + 0.02), (-td * _s, HipY + 0.02)]);
            if (a.Bag == BagKind.Backpack)
                Line(0.02 * _s, ShoulderY + 0.01, -0.03 * _s, 0.36, Shade(a.BagColour.Bgr, 0.8), 0.018);

            Poly(a.Skin.Bgr, (-0.02 * _s, 0.12), (0.025 * _s, 0.12), (0.025 * _s, ShoulderY + 0.01), (-0.022 * _s, ShoulderY + 0.01));
            Ell(0.01 * _s, HeadY, 0.055, 0.066, a.Skin.Bgr);
            Dot(0.058 * _s, HeadY + 0.008, 0.01, a.Skin.Bgr);
            // Hair covers the back and the top of the head.
            // OpenCV angles run clockwise from +x; facing left mirrors a to 180 - a.
            (double start, double end) = _s == 1 ? (145.0, 345.0) : (195.0, 395.0);
            Ell(0.005 * _s, HeadY - 0.005, 0.058, 0.066, a.Hair.Bgr, start, end);
            if (a.HairLength == HairLength.Long)
                Poly(a.Hair.Bgr, (-0.01 * _s, HeadY - 0.02), (-0.058 * _s, HeadY), (-0.068 * _s, 0.23), (-0.02 * _s, 0.22));
            Dot(0.04 * _s, HeadY, 0.006, Shade(a.Skin.Bgr, 0.45));
            if (a.Hat is { } hat)
            {
                Ell(0.005 * _s, HeadY - 0.02, 0.06, 0.05, hat.Bgr, 180, 360);
                Line(0.03 * _s, HeadY - 0.022, 0.095 * _s, HeadY - 0.018, Shade(hat.Bgr, 0.8), 0.014);
            }
            DrawArmSide(-swing, 1.0);
            if (a.Bag == BagKind.ShoulderBag && bagNear)
            {
                Line(0.02 * _s, ShoulderY + 0.01, -0.02 * _s, 0.44, Shade(a.BagColour.Bgr, 0.8), 0.016);
                SideBag(1.0);
            }
        }

        private void SideBag(double shade) =>
            Poly(Shade(a.BagColour.Bgr, shade), (-0.075 * _s, 0.42), (0.045 * _s, 0.42), (0.045 * _s, 0.525), (-0.075 * _s, 0.525));

        private readonly record struct SideLeg(double KneeX, double KneeY, double AnkleX, double AnkleY);

        private SideLeg LegSide(double thigh, double phase)
        {
            // The knee bends while the leg swings forward, not while it pushes off.
            double bend = Walking ? 0.55 * Math.Max(0, Math.Cos(phase)) : 0;
            double shin = thigh - bend;
            double kx = 0.235 * Math.Sin(thigh) * _s, ky = HipY + 0.235 * Math.Cos(thigh);
            return new SideLeg(kx, ky, kx + 0.225 * Math.Sin(shin) * _s, ky + 0.225 * Math.Cos(shin));
        }

        private void DrawLegSide(SideLeg leg, double shade)
        {
            double thick = 0.08 * _wf;
            var lower = Shade(a.Lower.Bgr, shade);
            var skin = Shade(a.Skin.Bgr, shade);
            switch (a.LowerStyle)
            {
                case LowerStyle.Trousers:
                    Line(0, HipY, leg.KneeX, leg.KneeY, lower, thick);
                    Line(leg.KneeX, leg.KneeY, leg.AnkleX, leg.AnkleY, lower, thick * 0.85);
                    break;
                case LowerStyle.Shorts:
                    Line(leg.KneeX, leg.KneeY, leg.AnkleX, leg.AnkleY, skin, thick * 0.7);
                    Line(0, HipY, leg.KneeX * 0.85, HipY + (leg.KneeY - HipY) * 0.85, lower, thick * 1.1);
                    break;
                default:
                    Line(0, HipY, leg.KneeX, leg.KneeY, skin, thick * 0.75);
                    Line(leg.KneeX, leg.KneeY, leg.AnkleX, leg.AnkleY, skin, thick * 0.65);
                    break;
            }
            Ell(leg.AnkleX + 0.022 * _s, leg.AnkleY + 0.018, 0.045, 0.019, Shade(a.Shoes.Bgr, shade));
        }

        private void DrawArmSide(double legSwing, double shade)
        {
            double angle = -0.85 * legSwing; // arms swing against the legs
            double ex = 0.16 * Math.Sin(angle) * _s, ey = ShoulderY + 0.03 + 0.16 * Math.Cos(angle);
            double fore = angle + 0.3;
            double hx = ex + 0.15 * Math.Sin(fore) * _s, hy = ey + 0.15 * Math.Cos(fore);
            double thick = 0.05 * _wf;
            Line(0, ShoulderY + 0.03, ex, ey, Shade(a.Upper.Bgr, 0.92 * shade), thick);
            Line(ex, ey, hx, hy, a.ShortSleeves ? Shade(a.Skin.Bgr, shade) : Shade(a.Upper.Bgr, 0.92 * shade), thick * 0.9);
            Dot(hx, hy + 0.008, 0.022, Shade(a.Skin.Bgr, shade));
        }

        /// <summary>The torso in the clothing colour, with its pattern clipped to the torso outline.</summary>
        private void Torso(bool back, (double X, double Y)[] outline)
        {
            Poly(a.Upper.Bgr, outline);
            if (a.Pattern == UpperPattern.Plain) return;
            using var torso = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
            Cv2.FillPoly(torso, [outline.Select(p => P(p.X, p.Y)).ToArray()], Scalar.All(255));
            using var pattern = new Mat(img.Size(), MatType.CV_8UC1, Scalar.All(0));
            int top = P(0, ShoulderY).Y, bottom = P(0, HipY + 0.03).Y;
            int period = Math.Max(3, T(0.05)), band = Math.Max(1, T(0.022));
            int width = img.Width, height = img.Height;
            switch (a.Pattern)
            {
                case UpperPattern.Stripes:
                    for (int y = top + band; y < bottom; y += period)
                        Cv2.Rectangle(pattern, new Rect(0, y, width, band), Scalar.All(255), -1);
                    break;
                case UpperPattern.Checks:
                    for (int y = top + band; y < bottom; y += period)
                        Cv2.Rectangle(pattern, new Rect(0, y, width, band), Scalar.All(255), -1);
                    for (int x = feet.X % period; x < width; x += period)
                        Cv2.Rectangle(pattern, new Rect(x, 0, band, height), Scalar.All(255), -1);
                    break;
                case UpperPattern.TwoTone:
                    // Back and front differ: the yoke is only on the front, so the back view is plain top.
                    int split = P(0, back ? 0.4 : 0.33).Y;
                    Cv2.Rectangle(pattern, new Rect(0, split, width, height - split), Scalar.All(255), -1);
                    break;
            }
            Cv2.BitwiseAnd(torso, pattern, pattern);
            img.SetTo(a.UpperSecondary.Bgr, pattern);
        }
    }
}
