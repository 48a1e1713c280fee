using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ReId.Core.Geometry;
using ReId.Vision;
using ReId.Vision.Detectors;

namespace ReId.Inference.Detectors;

/// <summary>
/// People from an Ultralytics YOLOv8/YOLO11 ONNX detection export: letterbox, one ONNX Runtime
/// run, person-class selection, mapping back to frame pixels and NMS. The file is checked when the
/// detector is built, so a wrong model fails at start-up with one actionable line rather than on
/// the first frame.
/// </summary>
/// <remarks>
/// <see cref="Detect"/> is thread-safe: ORT's Run is, and each call owns its input tensor (taken
/// from a pool, returned when the call ends). Dispose only once no Detect call is running.
/// </remarks>
public sealed class YoloDetector : IDetector
{
    private const string ExportHint =
        "export a YOLOv8/YOLO11 detection model with `yolo export model=<weights>.pt format=onnx` (see docs/detectors.md)";

    private readonly OrtModel _model;
    private readonly string _modelPath;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;
    private readonly int? _declaredClassCount;
    private readonly float _scoreThreshold;
    private readonly float _iouThreshold;
    private readonly int _maxDetections;
    // 3x640x640 floats is 4.9 MB: allocating one per frame would churn the large object heap.
    private readonly ConcurrentBag<float[]> _tensorPool = new();
    private int _disposed;

    public string Name { get; }
    /// <summary>The execution provider the session really runs on ("CUDA" or "CPU").</summary>
    public string Provider => _model.Provider;
    public int InputWidth { get; }
    public int InputHeight { get; }
    public int PersonClass { get; }
    /// <summary>The output head when the model's output shape is fixed; null when it is read per frame.</summary>
    public YoloHead? Head { get; }

    public YoloDetector(YoloDetectorOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        logger ??= NullLogger.Instance;
        _modelPath = options.ModelPath;
        // OrtSessionFactory's own message points at --model, the embedder's flag.
        if (!File.Exists(_modelPath))
            throw new ModelLoadException(
                $"detector model '{_modelPath}' does not exist; pass --detector-model with the path of a YOLO .onnx export (see docs/detectors.md)");
        Name = "onnx:" + Path.GetFileName(_modelPath);
        _scoreThreshold = options.ScoreThreshold;
        _iouThreshold = options.IouThreshold;
        _maxDetections = options.MaxDetections;

        _model = OrtSessionFactory.Open(_modelPath, options.Device, logger, options.IntraOpThreads);
        try
        {
            var session = _model.Session;
            var meta = UltralyticsMetadata.Read(session.ModelMetadata.CustomMetadataMap);
            if (meta.Task is { } task && task is not ("detect" or "segment" or "pose"))
                throw Fail($"is an Ultralytics '{task}' model, not a detector; {ExportHint}");
            if (meta.ExportedWithNms)
                throw Fail("was exported with nms=True (final boxes, not the raw head this detector decodes); " +
                           "re-export with `yolo export model=<weights>.pt format=onnx nms=False`");

            string input = ReadInput(session, options, meta, logger, out int width, out int height);
            _inputNames = [input];
            _inputShape = [1, 3, height, width];
            InputWidth = width;
            InputHeight = height;

            string output = ReadOutput(session, meta, out var head);
            _outputNames = [output];
            Head = head;
            _declaredClassCount = meta.ClassCount;

            PersonClass = options.PersonClass ?? meta.IndexOf("person") ?? 0;
            if ((head?.ClassCount ?? meta.ClassCount) is { } classes && PersonClass >= classes)
                throw Fail($"has {classes} classes, so there is no person class {PersonClass}; " +
                           $"configure the detector's person class as an index below {classes}");
            if (meta.Names.TryGetValue(PersonClass, out var className) &&
                !string.Equals(className, "person", StringComparison.OrdinalIgnoreCase))
                logger.LogWarning("Class {ClassIndex} of {Model} is named {ClassName}, not person; it will be tracked as people",
                    PersonClass, Path.GetFileName(_modelPath), className);

            logger.LogInformation(
                "Detector {Detector}: input {Input} {Width}x{Height}, output {Output} {Layout}, person class {PersonClass}, " +
                "score >= {ScoreThreshold}, NMS IoU {IouThreshold}, on {Provider}",
                Name, input, width, height, output, head?.Layout.ToString() ?? "(shape read per frame)", PersonClass,
                _scoreThreshold, _iouThreshold, Provider);
        }
        catch
        {
            _model.Dispose();
            throw;
        }
    }

    public IReadOnlyList<Detection> Detect(Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var letterbox = Letterbox.Fit(frame.Width, frame.Height, InputWidth, InputHeight);
        float[] tensor = _tensorPool.TryTake(out var pooled) ? pooled : new float[3 * InputWidth * InputHeight];
        try
        {
            letterbox.WriteTensor(frame.Image, tensor);
            using var input = OrtValue.CreateTensorValueFromMemory(tensor, _inputShape);
            using var runOptions = new RunOptions();
            using var outputs = _model.Session.Run(runOptions, _inputNames, [input], _outputNames);
            var output = outputs.First();

            var head = Head ?? ReadHead(output.GetTensorTypeAndShape().Shape);
            var candidates = head.Decode(output.GetTensorDataAsSpan<float>(), PersonClass, _scoreThreshold, letterbox);
            var kept = NonMaxSuppression.Apply(candidates, _iouThreshold);
            if (kept.Count > _maxDetections) kept.RemoveRange(_maxDetections, kept.Count - _maxDetections);
            return kept;
        }
        finally
        {
            _tensorPool.Add(tensor);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _model.Dispose();
        _tensorPool.Clear();
    }

    private string ReadInput(InferenceSession session, YoloDetectorOptions options, UltralyticsMetadata meta,
        ILogger logger, out int width, out int height)
    {
        if (session.InputNames.Count != 1)
            throw Fail($"has {session.InputNames.Count} inputs ({string.Join(", ", session.InputNames)}), " +
                       $"a YOLO detection export has one image input; {ExportHint}");
        string name = session.InputNames[0];
        var md = session.InputMetadata[name];
        if (!md.IsTensor || md.ElementDataType != TensorElementType.Float)
            throw Fail($"input '{name}' is not float32 (exported with half=True or int8=True?); " +
                       "re-export with `yolo export model=<weights>.pt format=onnx` without them");
        int[] d = md.Dimensions;
        if (d.Length != 4 || !(d[0] == 1 || d[0] < 0) || !(d[1] == 3 || d[1] < 0))
            throw Fail($"input '{name}' {Describe(md)} is not one colour image [1,3,height,width]; " +
                       "export with `yolo export model=<weights>.pt format=onnx batch=1`");

        int fallbackH = options.InputSize ?? meta.ImageSize?.Height ?? YoloDetectorOptions.DefaultInputSize;
        int fallbackW = options.InputSize ?? meta.ImageSize?.Width ?? YoloDetectorOptions.DefaultInputSize;
        height = d[2] > 0 ? d[2] : fallbackH;
        width = d[3] > 0 ? d[3] : fallbackW;
        if (d[2] > 0 && d[3] > 0 && options.InputSize is { } configured && (configured != width || configured != height))
            logger.LogWarning("{Model} has a fixed {Width}x{Height} input; the configured detector input size {InputSize} is ignored",
                Path.GetFileName(_modelPath), width, height, configured);
        return name;
    }

    private string ReadOutput(InferenceSession session, UltralyticsMetadata meta, out YoloHead? head)
    {
        // -seg exports add mask prototypes as a second output; the boxes are always the first.
        string name = session.OutputNames[0];
        var md = session.OutputMetadata[name];
        if (!md.IsTensor || md.ElementDataType != TensorElementType.Float)
            throw Fail($"output '{name}' is not a float32 tensor; {ExportHint}");
        int[] d = md.Dimensions;
        if (d.Length != 3)
            throw Fail($"output {Describe(md)} is not a YOLO detection head [1,4+classes,N]; {ExportHint}");
        head = null;
        if (d.All(x => x > 0))
            head = YoloHead.FromShape([d[0], d[1], d[2]], meta.ClassCount, out var reason)
                   ?? throw Fail($"output {Describe(md)} {reason}; {ExportHint}");
        return name;
    }

    private YoloHead ReadHead(long[] shape)
    {
        var head = YoloHead.FromShape(shape, _declaredClassCount, out var reason)
                   ?? throw Fail($"output [{string.Join(",", shape)}] {reason}; {ExportHint}");
        if (PersonClass >= head.ClassCount)
            throw Fail($"has {head.ClassCount} classes, so there is no person class {PersonClass}; " +
                       $"configure the detector's person class as an index below {head.ClassCount}");
        return head;
    }

    private ModelLoadException Fail(string problem) => new($"'{_modelPath}' {problem}");

    private static string Describe(NodeMetadata md)
    {
        var names = md.SymbolicDimensions;
        return "[" + string.Join(",", md.Dimensions.Select((v, i) =>
            v > 0 ? v.ToString() : i < names.Length && !string.IsNullOrEmpty(names[i]) ? names[i] : "?")) + "]";
    }
}
