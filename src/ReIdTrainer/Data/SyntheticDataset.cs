using System.Globalization;
using OpenCvSharp;
using ReId.Vision.Synthetic;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Data;

/// <summary>What <see cref="SyntheticDataset.Write"/> makes; the defaults give a set about a tenth of Market-1501.</summary>
public sealed record SyntheticDatasetOptions
{
    public int Identities { get; init; } = 120;
    public int ImagesPerIdentity { get; init; } = 16;
    public int Cameras { get; init; } = 4;
    public int Seed { get; init; } = 1;
    public int Height { get; init; } = 256;
    public int Width { get; init; } = 128;

    /// <summary>The first problem with the options as one line naming the option, or null.</summary>
    public string? Validate() =>
        Identities is < 4 or > 9999 ? $"--identities must be between 4 and 9999 (got {Identities}): half train, half test, four-digit ids"
        : ImagesPerIdentity is < 4 or > 999 ? $"--images-per-identity must be between 4 and 999 (got {ImagesPerIdentity}): a test identity needs queries and a gallery in another camera"
        : Cameras is < 2 or > 9 ? $"--cameras must be between 2 and 9 (got {Cameras}): re-ID is matching across cameras"
        : Height is < 32 or > 1024 ? $"--height must be between 32 and 1024 (got {Height})"
        : Width is < 16 or > 1024 ? $"--width must be between 16 and 1024 (got {Width})"
        : null;
}

public sealed record SyntheticDatasetSummary(
    string Root, int TrainIdentities, int TestIdentities, int TrainImages, int QueryImages, int GalleryImages, int Distractors);

/// <summary>
/// A person re-ID set in the Market-1501 layout drawn with the scene renderer. Each crop is one person
/// on a piece of a camera's background with that camera's colour cast, exposure, blur and noise, at a
/// random walk phase and facing (the back view shows backpacks, the front hides them), with scale
/// jitter, misaligned boxes and, often, something in front. Appearances come from the renderer's small
/// shared palettes, so many people wear "black top, blue jeans": colour alone does not identify them.
/// </summary>
public static class SyntheticDataset
{
    // Backgrounds are rendered at the scene's usual frame size and cropped, as a detector would.
    private const int BackgroundWidth = 640, BackgroundHeight = 480;
    private const int DistractorBase = 100_000;

    public static SyntheticDatasetSummary Write(SyntheticDatasetOptions options, string root, Action<string>? progress = null)
    {
        if (options.Validate() is { } problem) throw new TrainerException(problem);
        var (train, gallery, query) = Market1501Layout.CreateEmpty(root, "synth");

        var cameras = Enumerable.Range(0, options.Cameras)
            .Select(i => CameraView.Create(options.Seed, i, Scene.CameraSpacing, Scene.WalkwayDepth, BackgroundWidth, BackgroundHeight))
            .ToArray();
        var backgrounds = cameras.Select(c => SceneBackground.Render(c, options.Seed)).ToArray();
        try
        {
            var frames = new int[options.Cameras];
            int trainIds = options.Identities / 2, trainImages = 0, queryImages = 0, galleryImages = 0;
            int n = options.ImagesPerIdentity;
            // Never more queries than gallery images, so every query keeps a match in another camera.
            int queriesPerIdentity = Math.Min(options.Cameras, n / 2);
            for (int person = 1; person <= options.Identities; person++)
            {
                var look = PersonAppearance.Generate(options.Seed, person);
                // Round robin from a random first camera: every identity is seen by several cameras.
                int first = new Random(SceneRandom.Mix(options.Seed, person, 0xCA1)).Next(options.Cameras);
                bool isTrain = person <= trainIds;
                for (int k = 0; k < n; k++)
                {
                    int cam = (first + k) % options.Cameras;
                    var rng = new Random(SceneRandom.Mix(options.Seed, person * 1000 + k, 0x1A6E));
                    using var crop = RenderCrop(options, cameras[cam], backgrounds[cam], look, rng, distractor: false);
                    string folder = isTrain ? train : k < queriesPerIdentity ? query : gallery;
                    Save(crop, folder, person, cam, ++frames[cam]);
                    if (isTrain) trainImages++;
                    else if (k < queriesPerIdentity) queryImages++;
                    else galleryImages++;
                }
                if (progress is not null && person % 20 == 0) progress($"{person}/{options.Identities} identities drawn");
            }

            // Market's gallery holds detector false alarms and cut-off people under id 0000; so does this one.
            int distractors = Math.Max(1, galleryImages / 10);
            for (int i = 0; i < distractors; i++)
            {
                var rng = new Random(SceneRandom.Mix(options.Seed, i, 0xD157));
                int cam = rng.Next(options.Cameras);
                var look = PersonAppearance.Generate(options.Seed, DistractorBase + i);
                using var crop = RenderCrop(options, cameras[cam], backgrounds[cam], look, rng, distractor: true);
                Save(crop, gallery, 0, cam, ++frames[cam]);
            }
            return new SyntheticDatasetSummary(root, trainIds, options.Identities - trainIds, trainImages, queryImages,
                galleryImages + distractors, distractors);
        }
        finally
        {
            foreach (var b in backgrounds) b.Dispose();
        }
    }

    private static void Save(Mat crop, string folder, int person, int cam, int frame)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"{person:D4}_c{cam + 1}s1_{frame:D6}_01.jpg");
        if (!Cv2.ImWrite(Path.Combine(folder, name), crop, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90)))
            throw new TrainerException($"could not write '{Path.Combine(folder, name)}'");
    }

    /// <summary>One detector-style crop; every random choice comes from <paramref name="rng"/>, in a fixed order.</summary>
    private static Mat RenderCrop(SyntheticDatasetOptions o, CameraView cam, Mat background, PersonAppearance look, Random rng, bool distractor)
    {
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        int h = o.Height, w = o.Width;

        // The background patch: somewhere on the walkway level, at a size that matches a person's distance.
        double patchH = U(0.35, 0.75) * BackgroundHeight;
        double patchW = Math.Min(patchH * w / h, BackgroundWidth - 1);
        patchH = patchW * h / w;
        int px = (int)U(0, BackgroundWidth - patchW), py = (int)U(0, BackgroundHeight - patchH);
        var image = new Mat();
        using (var patch = new Mat(background, new Rect(px, py, (int)patchW, (int)patchH)))
            Cv2.Resize(patch, image, new Size(w, h), 0, 0, InterpolationFlags.Linear);

        // Each camera mostly sees one side of people (its walkway runs one way past it): half its crops
        // show that side, so a query and its cross-camera matches often show different sides.
        var facing = rng.NextDouble() < 0.5 ? (Facing)(cam.Index % 4) : (Facing)rng.Next(4);
        var pose = new PersonPose(facing, U(0, 2 * Math.PI), rng.NextDouble() < 0.85);
        // Scale jitter and a misaligned box: the person is not always centred nor exactly filling the crop.
        int personH = (int)(h * U(0.78, 0.97) * look.HeightFactor);
        int feetX = w / 2 + (int)(w * U(-0.12, 0.12));
        int feetY = h - 2 + (int)(h * U(-0.06, 0.05));
        double light = Math.Clamp(cam.LightFromLeft + U(-0.3, 0.3), -1, 1);

        // Sometimes a passer-by behind or in front: another identity's part in the box, as in crowded scenes.
        double crowd = rng.NextDouble();
        int otherId = rng.Next(1, 10_000);
        var otherPose = new PersonPose((Facing)rng.Next(4), U(0, 2 * Math.PI), true);
        int otherDx = (int)(w * U(0.45, 0.7)) * (rng.Next(2) == 0 ? -1 : 1);
        int otherH = (int)(personH * U(0.9, 1.1));
        var otherLook = crowd < 0.25 ? PersonAppearance.Generate(o.Seed + 7919, otherId) : null;

        if (otherLook is not null && crowd < 0.12) Paste(image, otherLook, otherPose, otherH, feetX + otherDx, feetY - (int)(h * 0.03), light);
        if (distractor)
        {
            // A false alarm or a badly cut detection: mostly background, a person pushed half out of the box.
            if (rng.NextDouble() < 0.7)
                Paste(image, look, pose, (int)(personH * U(0.9, 1.6)), feetX + (int)(w * U(0.35, 0.6)) * (rng.Next(2) == 0 ? -1 : 1),
                    feetY + (int)(h * U(0, 0.4)), light);
        }
        else
        {
            Paste(image, look, pose, personH, feetX, feetY, light);
        }
        if (otherLook is not null && crowd >= 0.12) Paste(image, otherLook, otherPose, otherH, feetX + otherDx, feetY + (int)(h * 0.04), light);

        // An occluding object (pole, bin, bag, parked bike) over the lower or side part of the body.
        if (rng.NextDouble() < 0.3)
        {
            int ow = (int)(w * U(0.15, 0.6)), oh = (int)(h * U(0.15, 0.4));
            int ox = rng.Next(2) == 0 ? (int)U(-0.1 * w, 0.1 * w) : w - ow + (int)U(-0.1 * w, 0.1 * w);
            int oy = h - oh + (int)U(-0.1 * h, 0.05 * h);
            var colour = new Scalar(U(30, 200), U(30, 200), U(30, 200));
            Cv2.Rectangle(image, new Rect(ox, oy, ow, oh), colour, -1, LineTypes.AntiAlias);
            Cv2.Rectangle(image, new Rect(ox, oy, ow, oh), new Scalar(colour.Val0 * 0.6, colour.Val1 * 0.6, colour.Val2 * 0.6), Math.Max(1, w / 40));
        }

        Finish(image, cam, rng);
        return image;
    }

    /// <summary>Draws a person with their feet at (<paramref name="feetX"/>, <paramref name="feetY"/>), clipped to the crop.</summary>
    private static void Paste(Mat image, PersonAppearance look, PersonPose pose, int heightPx, int feetX, int feetY, double light)
    {
        using var sprite = PersonRenderer.Render(look, pose, Math.Max(24, heightPx), light);
        int x0 = feetX - sprite.Feet.X, y0 = feetY - sprite.Feet.Y;
        var target = new Rect(x0, y0, sprite.Image.Width, sprite.Image.Height).Intersect(new Rect(0, 0, image.Width, image.Height));
        if (target.Width <= 0 || target.Height <= 0) return;
        var source = new Rect(target.X - x0, target.Y - y0, target.Width, target.Height);
        using var dst = new Mat(image, target);
        using var src = new Mat(sprite.Image, source);
        using var mask = new Mat(sprite.Mask, source);
        src.CopyTo(dst, mask);
    }

    /// <summary>The camera's colour cast and exposure (plus per-shot drift), lens and motion blur, sensor noise.</summary>
    private static void Finish(Mat image, CameraView cam, Random rng)
    {
        double U(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        double exposure = cam.Brightness + U(-12, 12), contrast = U(0.85, 1.1);
        using (var m = new Mat(3, 4, MatType.CV_32FC1, Scalar.All(0)))
        {
            m.Set(0, 0, (float)(cam.GainB * contrast));
            m.Set(1, 1, (float)(cam.GainG * contrast));
            m.Set(2, 2, (float)(cam.GainR * contrast));
            for (int r = 0; r < 3; r++) m.Set(r, 3, (float)(exposure + 128 * (1 - contrast)));
            Cv2.Transform(image, image, m);
        }
        double sigma = cam.BlurSigma * image.Height / 256.0 + U(0, 0.8);
        Cv2.GaussianBlur(image, image, new Size(0, 0), sigma);

        // Noise from the seeded Random rather than cv::theRNG, which is shared per thread.
        double noiseSigma = cam.NoiseSigma + U(0, 3);
        var noise = new byte[image.Rows * image.Cols * 3];
        for (int i = 0; i < noise.Length; i += 2)
        {
            // Box-Muller: two normal samples per pair of uniforms.
            double r = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())), t = 2 * Math.PI * rng.NextDouble();
            noise[i] = (byte)Math.Clamp(128 + noiseSigma * r * Math.Cos(t), 0, 255);
            if (i + 1 < noise.Length) noise[i + 1] = (byte)Math.Clamp(128 + noiseSigma * r * Math.Sin(t), 0, 255);
        }
        using var noiseMat = Mat.FromPixelData(image.Rows, image.Cols, MatType.CV_8UC3, noise);
        Cv2.AddWeighted(image, 1, noiseMat, 1, -128, image);
    }
}
