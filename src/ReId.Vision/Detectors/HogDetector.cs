using System.Globalization;
using OpenCvSharp;
using ReId.Core.Geometry;

namespace ReId.Vision.Detectors;

/// <summary>Settings of the HOG people detector.</summary>
/// <param name="Upscale">
/// Image scale before detection, or null for <see cref="HogOptions.AutoUpscale"/>. The default people
/// model has a 64x128 window, so people shorter than ~128 px are missed; upscaling finds them at a
/// quadratic cost in time.
/// </param>
public sealed record HogOptions(double? Upscale = null, double ScaleStep = 1.05, int Stride = 8,
    double HitThreshold = 0.0, float NmsIoU = 0.45f)
{
    /// <summary>
    /// The automatic scale: frames are enlarged to about 1080 lines (at most 2x, never shrunk). At 1080
    /// lines a person a tenth of the frame tall is 108 px, about what the 64x128 window (102 px once
    /// tightened) can find; at the 576 lines of the sample footage (PETS09-S2L1, people 60-110 px tall)
    /// the plain detector found 14 % of the people (MOTA -0.23), at 2x 78 % (MOTA 0.45), for 3x the time.
    /// </summary>
    public static double AutoUpscale(int frameHeight) => frameHeight <= 0 ? 1.0 : Math.Clamp(1080.0 / frameHeight, 1.0, 2.0);
}

/// <summary>
/// OpenCV's HOG + linear SVM people detector (Dalal &amp; Triggs). It needs no model download,
/// which is why it is the default, but it is slow (~5 frames/s per core at 768x576) and gives some
/// large false boxes; use an ONNX detector or public detections for quality.
/// </summary>
public sealed class HogDetector : IDetector
{
    // HOGDescriptor keeps scratch state; one per thread lets replay detect frames in parallel.
    private readonly ThreadLocal<HOGDescriptor> _hog = new(() =>
    {
        var hog = new HOGDescriptor();
        hog.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
        return hog;
    }, trackAllValues: true);
    private readonly HogOptions _options;

    public HogDetector(HogOptions? options = null) => _options = options ?? new HogOptions();

    public string Name => _options.Upscale switch
    {
        null => "hog",
        1.0 => "hog(x1)",
        double u => string.Create(CultureInfo.InvariantCulture, $"hog(x{u:0.##})"),
    };

    public IReadOnlyList<Detection> Detect(Frame frame)
    {
        double upscale = _options.Upscale ?? HogOptions.AutoUpscale(frame.Height);
        Mat input = frame.Image;
        Mat? scaled = null;
        if (upscale != 1.0)
        {
            scaled = new Mat();
            Cv2.Resize(frame.Image, scaled, new Size(), upscale, upscale, InterpolationFlags.Linear);
            input = scaled;
        }
        try
        {
            var rects = _hog.Value!.DetectMultiScale(input, out double[] weights, _options.HitThreshold,
                new Size(_options.Stride, _options.Stride), new Size(8, 8), _options.ScaleStep, groupThreshold: 2);
            var detections = new List<Detection>(rects.Length);
            float inv = (float)(1.0 / upscale);
            for (int i = 0; i < rects.Length; i++)
            {
                var r = rects[i];
                // The SVM margin is unbounded; a logistic squashes it into [0,1] keeping the order,
                // which is all the tracker's score thresholds need.
                float score = weights.Length > i ? 1f / (1f + MathF.Exp(-(float)weights[i])) : 0.5f;
                var box = Tighten(new Box(r.X * inv, r.Y * inv, r.Width * inv, r.Height * inv)).ClipTo(frame.Width, frame.Height);
                if (box.Area > 0) detections.Add(new Detection(box, score));
            }
            return NonMaxSuppression.Apply(detections, _options.NmsIoU);
        }
        finally
        {
            scaled?.Dispose();
        }
    }

    /// <summary>
    /// The 64x128 HOG window includes a margin around the person (the training crops were padded),
    /// so raw boxes are ~1.25x too wide and tall; OpenCV's own people-detection sample shrinks them
    /// the same way. Tight boxes crop less background for the embedder and match ground truth.
    /// </summary>
    internal static Box Tighten(Box b) =>
        new(b.X + 0.1f * b.Width, b.Y + 0.07f * b.Height, 0.8f * b.Width, 0.8f * b.Height);

    public void Dispose()
    {
        foreach (var hog in _hog.Values) hog.Dispose();
        _hog.Dispose();
    }
}
