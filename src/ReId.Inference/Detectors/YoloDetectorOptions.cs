namespace ReId.Inference.Detectors;

/// <summary>Settings of <see cref="YoloDetector"/>; see docs/detectors.md.</summary>
public sealed record YoloDetectorOptions
{
    /// <summary>An Ultralytics YOLOv8/YOLO11 detection export (<c>yolo export format=onnx</c>).</summary>
    public required string ModelPath { get; init; }
    public DevicePreference Device { get; init; } = DevicePreference.Auto;
    /// <summary>ONNX Runtime intra-op threads; 0 lets ORT choose.</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>
    /// Index of the class reported as a person. Null: the class named "person" in the model's
    /// Ultralytics metadata, else 0 (COCO's person).
    /// </summary>
    public int? PersonClass { get; init; }
    /// <summary>Candidates scoring below this are dropped.</summary>
    public float ScoreThreshold { get; init; } = 0.35f;
    /// <summary>Boxes overlapping a better one by more than this IoU are suppressed.</summary>
    public float IouThreshold { get; init; } = 0.5f;
    /// <summary>
    /// Square network input for models exported with <c>dynamic=True</c>; ignored when the model's
    /// input size is fixed. Null: the <c>imgsz</c> the model was exported with, else 640.
    /// </summary>
    public int? InputSize { get; init; }
    /// <summary>At most this many people per frame, highest scores first (Ultralytics' max_det).</summary>
    public int MaxDetections { get; init; } = 300;

    public const int DefaultInputSize = 640;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath))
            throw new ArgumentException("the ONNX detector needs a model; pass --detector-model with a YOLO .onnx export");
        if (!(ScoreThreshold is >= 0f and <= 1f))
            throw new ArgumentException($"detector score threshold must be in [0,1], got {ScoreThreshold}");
        if (!(IouThreshold is > 0f and <= 1f))
            throw new ArgumentException($"detector NMS IoU threshold must be in (0,1], got {IouThreshold}");
        if (PersonClass is < 0)
            throw new ArgumentException($"detector person class must be a class index >= 0, got {PersonClass}");
        // YOLO heads downsample by 32 and concatenate upsampled maps: other sizes fail inside the model.
        if (InputSize is { } size && (size < 32 || size % 32 != 0))
            throw new ArgumentException($"detector input size must be a positive multiple of 32, got {size}");
        if (MaxDetections < 1)
            throw new ArgumentException($"detector max detections must be at least 1, got {MaxDetections}");
        if (IntraOpThreads < 0)
            throw new ArgumentException($"intra-op threads must be >= 0, got {IntraOpThreads}");
    }
}
