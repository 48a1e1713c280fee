namespace ReIdTrainer.Onnx;

/// <summary>
/// Deterministic person-like test images (planar RGB, 0..255) for parity checks. Uniform noise
/// would exercise the network far from anything it was trained on; edges, flat regions and a
/// figure keep activations in a realistic range without shipping a photograph.
/// </summary>
public static class SyntheticScene
{
    public static float[] Rgb(int seed, int height, int width)
    {
        // Seeded System.Random is stable across .NET versions, so images are reproducible.
        var rng = new Random(seed);
        var img = new float[3 * height * width];
        int plane = height * width;

        float[] top = RandomColour(rng), bottom = RandomColour(rng), ground = RandomColour(rng);
        int horizon = (int)(height * (0.55 + 0.2 * rng.NextDouble()));
        for (int y = 0; y < height; y++)
        {
            float t = (float)y / height;
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    img[c * plane + y * width + x] = y < horizon ? top[c] + (bottom[c] - top[c]) * t : ground[c] * (0.8f + 0.2f * t);
        }

        for (int k = 0; k < 4; k++)
        {
            int x0 = rng.Next(width), y0 = rng.Next(height);
            Fill(img, height, width, x0, y0, x0 + rng.Next(width / 8, width / 2), y0 + rng.Next(height / 8, height / 3), RandomColour(rng));
        }

        // The figure: head, torso, two legs, centred with some jitter, about 80% of the height.
        int cx = width / 2 + rng.Next(-width / 10, width / 10 + 1);
        int headTop = height / 10, headH = height / 9, headW = width / 6;
        float[] skin = [180 + rng.Next(60), 130 + rng.Next(50), 100 + rng.Next(50)];
        Ellipse(img, height, width, cx, headTop + headH / 2, headW / 2, headH / 2, skin);
        int torsoTop = headTop + headH, torsoBottom = torsoTop + height * 3 / 10, torsoHalf = width / 5;
        Fill(img, height, width, cx - torsoHalf, torsoTop, cx + torsoHalf, torsoBottom, RandomColour(rng));
        float[] trousers = [20 + rng.Next(60), 20 + rng.Next(60), 40 + rng.Next(80)];
        int legBottom = Math.Min(height - 1, torsoBottom + height * 4 / 10), legW = torsoHalf * 4 / 5;
        Fill(img, height, width, cx - torsoHalf, torsoBottom, cx - torsoHalf + legW, legBottom, trousers);
        Fill(img, height, width, cx + torsoHalf - legW, torsoBottom, cx + torsoHalf, legBottom, trousers);

        for (int i = 0; i < img.Length; i++)
            img[i] = Math.Clamp(MathF.Round(img[i] + (float)(rng.NextDouble() - 0.5) * 16f), 0f, 255f);
        return img;
    }

    private static float[] RandomColour(Random rng) => [rng.Next(256), rng.Next(256), rng.Next(256)];

    private static void Fill(float[] img, int h, int w, int x0, int y0, int x1, int y1, float[] rgb)
    {
        for (int y = Math.Max(0, y0); y < Math.Min(h, y1); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(w, x1); x++)
                for (int c = 0; c < 3; c++)
                    img[c * h * w + y * w + x] = rgb[c];
    }

    private static void Ellipse(float[] img, int h, int w, int cx, int cy, int rx, int ry, float[] rgb)
    {
        for (int y = Math.Max(0, cy - ry); y <= Math.Min(h - 1, cy + ry); y++)
            for (int x = Math.Max(0, cx - rx); x <= Math.Min(w - 1, cx + rx); x++)
            {
                float dx = (x - cx) / (float)Math.Max(1, rx), dy = (y - cy) / (float)Math.Max(1, ry);
                if (dx * dx + dy * dy <= 1f)
                    for (int c = 0; c < 3; c++)
                        img[c * h * w + y * w + x] = rgb[c];
            }
    }
}
