using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Core.Models;
using ReId.Vision.Imaging;
using ReIdTrainer.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace ReIdTrainer.Data;

/// <summary>
/// Decodes image files into a normalised float batch [N,3,H,W]: resized to H x W, RGB, scaled by 1/255
/// and normalised with the ImageNet mean and std, the preprocessing the exporter writes into model
/// metadata. The resizing and normalisation are the worker's (<see cref="CropPreprocessor"/>), so a
/// trained model sees at inference exactly what it saw in training.
/// </summary>
public sealed class ImageBatchLoader
{
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    private readonly Augmentation _augmentation;
    private readonly CropPreprocessor _preprocessor;

    public ImageBatchLoader(int height, int width, Augmentation? augmentation = null)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image size must be positive, got {height}x{width}");
        Height = height;
        Width = width;
        _augmentation = augmentation ?? Augmentation.None;
        _preprocessor = new CropPreprocessor(Preprocessing(height, width));
    }

    /// <summary>
    /// The preprocessing a trained model declares in its metadata; the loader normalises through the
    /// worker's own <see cref="CropPreprocessor"/> with it, so training and serving cannot drift apart.
    /// </summary>
    public static ModelMetadata Preprocessing(int height, int width) => new()
    {
        InputHeight = height,
        InputWidth = width,
        ChannelOrder = "RGB",
        PixelScale = 1f / 255f,
        Mean = Mean,
        Std = Std,
    };

    public int Height { get; }
    public int Width { get; }

    /// <summary>
    /// The batch for <paramref name="paths"/>, in order. With augmentation, <paramref name="rng"/> drives it
    /// (the same seed gives the same batch); without, it may be null.
    /// </summary>
    public Tensor Load(IReadOnlyList<string> paths, Random? rng = null)
    {
        var data = LoadPixels(paths, rng);
        return torch.tensor(data, [paths.Count, 3, Height, Width], ScalarType.Float32);
    }

    /// <summary>The batch as a flat float array in [N,3,H,W] order.</summary>
    public float[] LoadPixels(IReadOnlyList<string> paths, Random? rng = null)
    {
        if (rng is null && !ReferenceEquals(_augmentation, Augmentation.None))
            throw new ArgumentNullException(nameof(rng), "augmented loading needs a seeded Random");
        int length = 3 * Height * Width;
        var data = new float[paths.Count * length];
        for (int i = 0; i < paths.Count; i++)
            Write(paths[i], data.AsSpan(i * length, length), rng);
        return data;
    }

    private void Write(string path, Span<float> destination, Random? rng)
    {
        using var decoded = Cv2.ImRead(path, ImreadModes.Color);
        if (decoded.Empty())
            throw new TrainerException($"'{path}' could not be decoded as an image (missing, empty or corrupt file)");
        if (rng is null)
        {
            // Unaugmented, the crop goes through exactly what the worker does to a person box.
            _preprocessor.Write(decoded, new Box(0, 0, decoded.Width, decoded.Height), destination);
            return;
        }
        using var resized = new Mat();
        Cv2.Resize(decoded, resized, new OpenCvSharp.Size(Width, Height), 0, 0, InterpolationFlags.Linear);
        using var image = _augmentation.ApplyToImage(resized, rng);
        // Already Height x Width, so the worker's resize is a copy; its normalisation is the one used.
        _preprocessor.Write(image, new Box(0, 0, Width, Height), destination);
        _augmentation.Erase(destination, Height, Width, rng);
    }
}
