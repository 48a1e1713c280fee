using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Inference.Detectors;
using static Onnx.TensorProto.Types;

namespace ReId.Inference.Tests;

/// <summary>
/// The detector runs real ONNX Runtime sessions on graphs built here whose output is a known YOLO
/// head, so every step after the network (layout, class choice, thresholds, letterbox inverse,
/// clipping, NMS) is checked against hand-computed frame coordinates.
/// </summary>
public sealed class YoloDetectorTests : IDisposable
{
    private const int Classes = 3; // person, bicycle, car
    private const int Features = 4 + Classes;
    private const int Candidates = 16;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "reid-yolo-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A candidate in frame coordinates, as fractions of the frame size, with its class scores.</summary>
    private sealed record Candidate(double X, double Y, double W, double H, params float[] Scores);

    // Expected outcome, by score: A (0.90), Edge (0.70, clipped at x=0), B (0.60), BNeighbour (0.55).
    private static readonly Candidate A = new(0.10, 0.10, 0.08, 0.30, 0.90f, 0f, 0f);
    private static readonly Candidate ADuplicate = new(0.105, 0.10, 0.08, 0.30, 0.80f, 0f, 0f); // IoU 0.88 with A
    private static readonly Candidate B = new(0.50, 0.40, 0.10, 0.35, 0.60f, 0f, 0f);
    private static readonly Candidate BNeighbour = new(0.57, 0.40, 0.10, 0.35, 0.55f, 0f, 0f); // IoU 0.18 with B
    private static readonly Candidate LowScore = new(0.30, 0.60, 0.06, 0.20, 0.20f, 0f, 0f);
    private static readonly Candidate MostlyCar = new(0.70, 0.10, 0.10, 0.20, 0.50f, 0f, 0.90f);
    private static readonly Candidate Bicycle = new(0.80, 0.60, 0.10, 0.20, 0f, 0.95f, 0f);
    private static readonly Candidate Edge = new(-0.03, 0.50, 0.10, 0.30, 0.70f, 0f, 0.10f);

    private static readonly Candidate[] Scene = [LowScore, ADuplicate, MostlyCar, B, Bicycle, Edge, A, BNeighbour];

    [Theory]
    // frame      network-input geometry Ultralytics uses: scale, pad left, pad top; transposed head?
    [InlineData("landscape", 640.0 / 768, 0, 80, false)]
    [InlineData("landscape", 640.0 / 768, 0, 80, true)]
    [InlineData("portrait", 640.0 / 768, 80, 0, false)]
    [InlineData("portrait", 640.0 / 768, 80, 0, true)]
    [InlineData("320x180", 2.0, 0, 140, false)]
    public void Detect_maps_person_boxes_back_to_the_frame(string which, double scale, int padLeft, int padTop, bool transposed)
    {
        using var frame = YoloTestFrames.ToFrame(Sample(which));
        var (shape, values) = Head(Scene, frame.Width, frame.Height, scale, padLeft, padTop, Classes, transposed);
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), shape, values);
        using var detector = new YoloDetector(new YoloDetectorOptions { ModelPath = path, Device = DevicePreference.Cpu });

        var found = detector.Detect(frame);

        Assert.Equal(transposed ? YoloHeadLayout.CandidatesFirst : YoloHeadLayout.FeaturesFirst, detector.Head?.Layout);
        float W = frame.Width, H = frame.Height;
        AssertDetections(found,
            (A.X * W, A.Y * H, A.W * W, A.H * H, 0.90f),
            (0, Edge.Y * H, (Edge.X + Edge.W) * W, Edge.H * H, 0.70f),
            (B.X * W, B.Y * H, B.W * W, B.H * H, 0.60f),
            (BNeighbour.X * W, BNeighbour.Y * H, BNeighbour.W * W, BNeighbour.H * H, 0.55f));
    }

    [Fact]
    public void Detect_applies_the_configured_score_threshold_and_person_class()
    {
        using var frame = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
        var (shape, values) = Head(Scene, 768, 576, 640.0 / 768, 0, 80, Classes, transposed: false);
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), shape, values);

        using (var strict = new YoloDetector(new YoloDetectorOptions { ModelPath = path, ScoreThreshold = 0.65f }))
            Assert.Equal([0.90f, 0.70f], strict.Detect(frame).Select(d => d.Score));

        // With "car" as the class of interest, only the box cars win is left.
        using var cars = new YoloDetector(new YoloDetectorOptions { ModelPath = path, PersonClass = 2 });
        var car = Assert.Single(cars.Detect(frame));
        Assert.Equal(0.90f, car.Score);
        AssertBox((MostlyCar.X * 768, MostlyCar.Y * 576, MostlyCar.W * 768, MostlyCar.H * 576), car.Box);
    }

    [Theory]
    [InlineData(320, null, 320)]
    [InlineData(null, "[384, 384]", 384)]
    [InlineData(null, null, 640)]
    public void Dynamic_input_uses_the_configured_or_exported_size(int? inputSize, string? imgsz, int expected)
    {
        using var frame = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
        double scale = expected / 768.0;
        int padTop = (expected - (int)Math.Round(576 * scale)) / 2;
        var (shape, values) = Head([A], 768, 576, scale, 0, padTop, Classes, transposed: false);
        var meta = imgsz is null ? null : new Dictionary<string, string> { ["imgsz"] = imgsz };
        string path = Save(OnnxGraphBuilder.FloatTensor("images", "batch", 3, "height", "width"), shape, values, meta);
        using var detector = new YoloDetector(new YoloDetectorOptions { ModelPath = path, InputSize = inputSize });

        var found = detector.Detect(frame);

        Assert.Equal((expected, expected), (detector.InputWidth, detector.InputHeight));
        AssertDetections(found, (A.X * 768, A.Y * 576, A.W * 768, A.H * 576, 0.90f));
    }

    [Fact]
    public void Dynamic_output_shape_is_read_per_frame()
    {
        using var frame = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
        var (_, values) = Head(Scene, 768, 576, 640.0 / 768, 0, 80, Classes, transposed: true);
        var model = OnnxGraphBuilder.ConstantOutputModel(
            OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), "output0", [1, Candidates, Features], values,
            shapeKnownOnlyAtRunTime: true);
        string path = OnnxGraphBuilder.Save(model, _dir, "dynamic-out.onnx");
        using var detector = new YoloDetector(new YoloDetectorOptions { ModelPath = path });

        Assert.Null(detector.Head);
        Assert.Equal([0.90f, 0.70f, 0.60f, 0.55f], detector.Detect(frame).Select(d => d.Score));
    }

    [Fact]
    public void Ultralytics_metadata_picks_the_person_class_and_ignores_extra_head_values()
    {
        // A -seg-like head for names {0: car, 1: person}: 4 box values, 2 class scores, then 3 mask
        // coefficients far above any score, which must not be read as classes.
        Candidate person = new(0.20, 0.20, 0.10, 0.30, 0.05f, 0.80f, 5f, -5f, 5f);
        Candidate car = new(0.60, 0.20, 0.20, 0.20, 0.90f, 0.10f, 5f, 5f, 5f);
        var (shape, values) = Head([person, car], 768, 576, 640.0 / 768, 0, 80, classes: 5, transposed: false);
        var meta = new Dictionary<string, string>
        {
            ["task"] = "segment",
            ["names"] = "{0: 'car', 1: \"person\"}",
            ["imgsz"] = "[640, 640]",
            ["args"] = "{'batch': 1, 'half': False, 'nms': False}",
        };
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), shape, values, meta);
        using var frame = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
        using var detector = new YoloDetector(new YoloDetectorOptions { ModelPath = path });

        var found = detector.Detect(frame);

        Assert.Equal(1, detector.PersonClass);
        Assert.Equal(2, detector.Head?.ClassCount);
        AssertDetections(found, (0.20 * 768, 0.20 * 576, 0.10 * 768, 0.30 * 576, 0.80f));
    }

    [Fact]
    public void MaxDetections_keeps_the_best()
    {
        using var frame = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
        var (shape, values) = Head(Scene, 768, 576, 640.0 / 768, 0, 80, Classes, transposed: false);
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), shape, values);
        using var detector = new YoloDetector(new YoloDetectorOptions { ModelPath = path, MaxDetections = 2 });

        Assert.Equal([0.90f, 0.70f], detector.Detect(frame).Select(d => d.Score));
    }

    [Fact]
    public void Detect_is_safe_from_several_threads()
    {
        var (shape, values) = Head(Scene, 768, 576, 640.0 / 768, 0, 80, Classes, transposed: false);
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), shape, values);
        using var detector = new YoloDetector(new YoloDetectorOptions { ModelPath = path });
        using var landscape = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
        var expected = detector.Detect(landscape);

        var results = new IReadOnlyList<Detection>[24];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            using var frame = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
            results[i] = detector.Detect(frame);
        });

        Assert.Equal(4, expected.Count);
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Theory]
    [InlineData(new long[] { 1, 10 }, "[1,10] is not a YOLO detection head [1,4+classes,N]")]
    [InlineData(new long[] { 1, 4, 100 }, "has 4 values per candidate")]
    [InlineData(new long[] { 2, 84, 100 }, "[2,84,100] is not a YOLO detection head")]
    [InlineData(new long[] { 1, 84, 100, 1 }, "[1,84,100,1] is not a YOLO detection head")]
    public void Wrong_output_shape_fails_at_load_with_one_actionable_line(long[] shape, string problem)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), shape, values, fileName: "not-yolo.onnx");

        var ex = Assert.Throws<ModelLoadException>(() => new YoloDetector(new YoloDetectorOptions { ModelPath = path }));

        AssertOneActionableLine(ex, path, problem, "yolo export model=<weights>.pt format=onnx");
    }

    [Fact]
    public void Grey_input_model_fails_at_load()
    {
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 1, 640, 640), [1, Features, Candidates],
            new float[Features * Candidates], fileName: "grey.onnx");

        var ex = Assert.Throws<ModelLoadException>(() => new YoloDetector(new YoloDetectorOptions { ModelPath = path }));

        AssertOneActionableLine(ex, path, "input 'images' [1,1,640,640] is not one colour image [1,3,height,width]", "yolo export");
    }

    [Fact]
    public void Half_precision_model_fails_at_load()
    {
        string path = Save(OnnxGraphBuilder.Tensor("images", DataType.Float16, 1, 3, 640, 640), [1, Features, Candidates],
            new float[Features * Candidates], fileName: "half.onnx");

        var ex = Assert.Throws<ModelLoadException>(() => new YoloDetector(new YoloDetectorOptions { ModelPath = path }));

        AssertOneActionableLine(ex, path, "is not float32", "half=True");
    }

    [Fact]
    public void End_to_end_export_is_not_decoded_as_a_raw_head()
    {
        // YOLO26-style output: 300 final rows of x1,y1,x2,y2,score,class for an 80-class model.
        var names = "{" + string.Join(", ", Enumerable.Range(0, 80).Select(i => $"{i}: 'class{i}'")) + "}";
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), [1, 300, 6], new float[300 * 6],
            new Dictionary<string, string> { ["names"] = names, ["task"] = "detect" }, "e2e.onnx");

        var ex = Assert.Throws<ModelLoadException>(() => new YoloDetector(new YoloDetectorOptions { ModelPath = path }));

        AssertOneActionableLine(ex, path, "end-to-end", "yolo export");
    }

    [Fact]
    public void Nms_export_fails_at_load()
    {
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), [1, 300, 6], new float[300 * 6],
            new Dictionary<string, string> { ["args"] = "{'batch': 1, 'nms': True}" }, "nms.onnx");

        var ex = Assert.Throws<ModelLoadException>(() => new YoloDetector(new YoloDetectorOptions { ModelPath = path }));

        AssertOneActionableLine(ex, path, "nms=True", "nms=False");
    }

    [Fact]
    public void Person_class_beyond_the_head_fails_at_load()
    {
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), [1, Features, Candidates],
            new float[Features * Candidates]);

        var ex = Assert.Throws<ModelLoadException>(
            () => new YoloDetector(new YoloDetectorOptions { ModelPath = path, PersonClass = Classes }));

        AssertOneActionableLine(ex, path, "has 3 classes, so there is no person class 3", "index below 3");
    }

    [Fact]
    public void Missing_model_names_the_detector_flag()
    {
        string path = Path.Combine(_dir, "absent.onnx");

        var ex = Assert.Throws<ModelLoadException>(() => new YoloDetector(new YoloDetectorOptions { ModelPath = path }));

        AssertOneActionableLine(ex, path, "does not exist", "--detector-model");
    }

    [Fact]
    public void Name_reports_the_file_and_dispose_ends_detection()
    {
        string path = Save(OnnxGraphBuilder.FloatTensor("images", 1, 3, 640, 640), [1, Features, Candidates],
            new float[Features * Candidates], fileName: "yolo11n.onnx");
        var detector = new YoloDetector(new YoloDetectorOptions { ModelPath = path });
        using var frame = YoloTestFrames.ToFrame(YoloTestFrames.Landscape());
        Assert.Equal("onnx:yolo11n.onnx", detector.Name);
        Assert.Empty(detector.Detect(frame));

        detector.Dispose();
        detector.Dispose();

        Assert.Throws<ObjectDisposedException>(() => detector.Detect(frame));
    }

    private static Mat Sample(string which) => which switch
    {
        "landscape" => YoloTestFrames.Landscape(),
        "portrait" => YoloTestFrames.Portrait(),
        "320x180" => YoloTestFrames.Resized(320, 180),
        _ => throw new ArgumentException(which),
    };

    /// <summary>
    /// The head a network would emit for <paramref name="scene"/>: each candidate's frame box
    /// moved into network-input pixels with the given letterbox, as cx, cy, w, h, then its
    /// scores; unused candidate slots are all zero.
    /// </summary>
    private static (long[] Shape, float[] Values) Head(
        IReadOnlyList<Candidate> scene, int frameW, int frameH, double scale, int padLeft, int padTop,
        int classes, bool transposed)
    {
        int features = 4 + classes;
        var values = new float[features * Candidates];
        for (int i = 0; i < scene.Count; i++)
        {
            var c = scene[i];
            var row = new float[features];
            row[0] = (float)((c.X + c.W / 2) * frameW * scale + padLeft);
            row[1] = (float)((c.Y + c.H / 2) * frameH * scale + padTop);
            row[2] = (float)(c.W * frameW * scale);
            row[3] = (float)(c.H * frameH * scale);
            c.Scores.CopyTo(row, 4);
            for (int f = 0; f < features; f++)
                values[transposed ? i * features + f : f * Candidates + i] = row[f];
        }
        return (transposed ? [1, Candidates, features] : [1, features, Candidates], values);
    }

    private string Save(Onnx.ValueInfoProto input, long[] shape, float[] values,
        IReadOnlyDictionary<string, string>? metadata = null, string fileName = "head.onnx") =>
        OnnxGraphBuilder.Save(OnnxGraphBuilder.ConstantOutputModel(input, "output0", shape, values, metadata), _dir, fileName);

    private static void AssertDetections(IReadOnlyList<Detection> found, params (double X, double Y, double W, double H, float Score)[] expected)
    {
        Assert.Equal(expected.Select(e => e.Score), found.Select(d => d.Score));
        for (int i = 0; i < expected.Length; i++)
            AssertBox((expected[i].X, expected[i].Y, expected[i].W, expected[i].H), found[i].Box);
    }

    private static void AssertBox((double X, double Y, double W, double H) expected, Box actual)
    {
        const double tolerance = 0.02; // pixels; float rounding through the letterbox and back
        Assert.True(Math.Abs(expected.X - actual.X) <= tolerance && Math.Abs(expected.Y - actual.Y) <= tolerance &&
                    Math.Abs(expected.W - actual.Width) <= tolerance && Math.Abs(expected.H - actual.Height) <= tolerance,
            $"box {actual} (x {actual.X}, y {actual.Y}, w {actual.Width}, h {actual.Height}), " +
            $"expected x {expected.X:0.###}, y {expected.Y:0.###}, w {expected.W:0.###}, h {expected.H:0.###}");
    }

    private static void AssertOneActionableLine(Exception ex, string path, string problem, string fix)
    {
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains($"'{path}'", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.Contains(fix, ex.Message);
    }
}
