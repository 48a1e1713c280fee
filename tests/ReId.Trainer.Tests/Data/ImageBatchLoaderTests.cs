using OpenCvSharp;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;
using TorchSharp;

namespace ReId.Trainer.Tests.Data;

public sealed class ImageBatchLoaderTests : IDisposable
{
    private const int H = 32, W = 16;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A lossless image whose every pixel differs, so flips, crops and channel swaps all show.</summary>
    private string Gradient(string name, int height = H, int width = W)
    {
        using var m = new Mat(height, width, MatType.CV_8UC3);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                m.Set(y, x, new Vec3b((byte)(10 + 7 * x), (byte)(20 + 5 * y), (byte)(200 - 3 * x - 2 * y)));
        string path = _folder.Path(name);
        Cv2.ImWrite(path, m);
        return path;
    }

    [Fact]
    public void Batch_is_float32_n_3_h_w_after_resizing()
    {
        string a = Gradient("a.png"), b = Gradient("b.png", 50, 30);
        var loader = new ImageBatchLoader(H, W);

        using var batch = loader.Load([a, b, a]);

        Assert.Equal(new long[] { 3, 3, H, W }, batch.shape);
        Assert.Equal(torch.ScalarType.Float32, batch.dtype);
    }

    [Fact]
    public void Pixels_are_rgb_scaled_and_imagenet_normalised()
    {
        string path = Gradient("a.png");
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);

        var pixels = new ImageBatchLoader(H, W).LoadPixels([path]);

        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                var v = bgr.At<Vec3b>(y, x);
                byte[] rgb = [v.Item2, v.Item1, v.Item0];
                for (int c = 0; c < 3; c++)
                    // A tolerance, not rounding to 4 places: a value near a rounding boundary would
                    // flip with the last bit of the folded scale-and-shift arithmetic.
                    Assert.Equal((rgb[c] / 255f - mean[c]) / std[c], pixels[c * H * W + y * W + x], 1e-5f);
            }
    }

    /// <summary>
    /// Training input and serving input are one code path: the loader's batch for an image equals
    /// what the worker's <see cref="ReId.Vision.Imaging.CropPreprocessor"/> makes of the same image
    /// as a person box, bit for bit, including the resize.
    /// </summary>
    [Fact]
    public void Unaugmented_pixels_are_exactly_what_the_worker_feeds_the_model()
    {
        string path = Gradient("big.png", 50, 30);
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        var worker = new float[3 * H * W];
        new ReId.Vision.Imaging.CropPreprocessor(ImageBatchLoader.Preprocessing(H, W))
            .Write(bgr, new ReId.Core.Geometry.Box(0, 0, bgr.Width, bgr.Height), worker);

        var pixels = new ImageBatchLoader(H, W).LoadPixels([path]);

        Assert.Equal(worker, pixels);
    }

    [Fact]
    public void Certain_flip_mirrors_the_image()
    {
        string path = Gradient("a.png");
        var plain = new ImageBatchLoader(H, W).LoadPixels([path]);

        var flipped = new ImageBatchLoader(H, W, Augmentation.None with { FlipProbability = 1 }).LoadPixels([path], new Random(1));

        for (int c = 0; c < 3; c++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    Assert.Equal(plain[c * H * W + y * W + (W - 1 - x)], flipped[c * H * W + y * W + x]);
    }

    [Fact]
    public void Certain_erasing_blanks_one_box_to_the_mean_colour_and_leaves_the_rest()
    {
        string path = Gradient("a.png");
        var plain = new ImageBatchLoader(H, W).LoadPixels([path]);
        var loader = new ImageBatchLoader(H, W, Augmentation.None with { ErasingProbability = 1 });

        var erased = loader.LoadPixels([path], new Random(3));

        var zero = Enumerable.Range(0, H * W).Where(i => erased[i] == 0 && erased[H * W + i] == 0 && erased[2 * H * W + i] == 0).ToList();
        Assert.InRange(zero.Count, (int)(0.02 * H * W) - 2, (int)(0.4 * H * W) + 2);
        // The erased pixels form one rectangle.
        int x0 = zero.Min(i => i % W), x1 = zero.Max(i => i % W), y0 = zero.Min(i => i / W), y1 = zero.Max(i => i / W);
        Assert.Equal((x1 - x0 + 1) * (y1 - y0 + 1), zero.Count);
        var kept = Enumerable.Range(0, 3 * H * W).Where(i => !zero.Contains(i % (H * W)));
        Assert.All(kept, i => Assert.Equal(plain[i], erased[i]));

        Assert.Equal(erased, loader.LoadPixels([path], new Random(3)));
        Assert.Contains(Enumerable.Range(4, 10), seed => !loader.LoadPixels([path], new Random(seed)).SequenceEqual(erased));
    }

    [Fact]
    public void Training_augmentation_is_deterministic_per_seed_and_varies_across_seeds()
    {
        string a = Gradient("a.png"), b = Gradient("b.png", 40, 24);
        var loader = new ImageBatchLoader(H, W, Augmentation.Training);
        var plain = new ImageBatchLoader(H, W).LoadPixels([a, b]);

        var first = loader.LoadPixels([a, b], new Random(42));

        Assert.Equal(first, loader.LoadPixels([a, b], new Random(42)));
        Assert.NotEqual(first, loader.LoadPixels([a, b], new Random(43)));
        Assert.NotEqual(plain, first);
    }

    [Fact]
    public void Undecodable_file_is_named_in_one_line()
    {
        string good = Gradient("a.png");
        string bad = _folder.Path("0001_c1s1_000001_01.jpg");
        File.WriteAllText(bad, "not a jpeg");

        var ex = Assert.Throws<TrainerException>(() => new ImageBatchLoader(H, W).Load([good, bad]));

        Assert.Equal($"'{bad}' could not be decoded as an image (missing, empty or corrupt file)", ex.Message);
    }
}
