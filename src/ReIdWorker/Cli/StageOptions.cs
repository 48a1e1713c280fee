using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ReId.Core.Events;
using ReId.Core.Gallery;
using ReId.Core.Identity;
using ReId.Core.Tracking;
using ReId.Events;
using ReId.Gallery;
using ReId.Inference;
using ReId.Inference.Detectors;
using ReId.Vision.Detectors;

namespace ReIdWorker.Cli;

/// <summary>
/// The options that choose each pipeline stage's implementation, shared by replay, bench and
/// doctor so they mean the same everywhere, and the factories that build the stages from them.
/// </summary>
public sealed class StageOptions
{
    public readonly Option<string?> Model = new("--model") { Description = $"Embedding model (.onnx with re-ID metadata); default: models/{DefaultModel.FileName}" };
    public readonly Option<DevicePreference> Device = new("--device") { Description = "auto: CUDA when it loads, else CPU; cpu; cuda: fail without CUDA", DefaultValueFactory = _ => DevicePreference.Auto };
    public readonly Option<float?> MatchThreshold = new("--match-threshold") { Description = "Cosine similarity needed to reuse an identity (default: the model's reid.match_threshold, else 0.75)" };
    public readonly Option<string> Detector = new("--detector") { Description = "hog (default; no download needed) or onnx (YOLO export, with --detector-model)", DefaultValueFactory = _ => "hog" };
    public readonly Option<string?> DetectorModel = new("--detector-model") { Description = "YOLOv8/YOLO11 ONNX export for --detector onnx" };
    public readonly Option<string[]> Detections = new("--detections") { Description = "MOTChallenge det.txt public detections, one per input in order (replaces the detector)", AllowMultipleArgumentsPerToken = true };
    public readonly Option<string> HogUpscale = new("--hog-upscale")
    {
        Description = "Upscale frames before HOG, which misses people under ~128 px (slower by the square): auto (to about 1080 lines, at most 2x) or a factor, e.g. 1",
        DefaultValueFactory = _ => "auto",
    };
    public readonly Option<string> Tracker = new("--tracker") { Description = "byte (Kalman + two-stage ByteTrack association, default) or iou (greedy overlap)", DefaultValueFactory = _ => "byte" };
    public readonly Option<bool> TrackAppearance = new("--track-appearance")
    {
        Description = "The tracker also associates by appearance, embedding every confident detection each frame (default; " +
                      "--track-appearance false: motion and overlap only, far fewer crops to embed when detection is cheap)",
        DefaultValueFactory = _ => true,
    };
    public readonly Option<float> StaticIou = new("--static-iou")
    {
        Description = "A track is published once its box overlaps the box it began with by this IoU or less (default 0.5): detectors' steady " +
                      "false boxes on parked vehicles and posts never move. 1 publishes every confirmed track at once (people standing still from the start)",
        DefaultValueFactory = _ => new ReIdWorker.Replay.PipelineOptions().StaticIou,
    };
    public readonly Option<string> Gallery = new("--gallery") { Description = "embedded (exact search, persisted to --gallery-path) or qdrant", DefaultValueFactory = _ => "embedded" };
    public readonly Option<string?> GalleryPath = new("--gallery-path") { Description = "Embedded gallery file; share it between replays to recognise people again (default: OUT/gallery.bin, started afresh by each replay)" };
    public readonly Option<string> Qdrant = new("--qdrant") { Description = "Qdrant gRPC URL", DefaultValueFactory = _ => "http://localhost:6334" };
    public readonly Option<string?> QdrantApiKey = new("--qdrant-api-key") { Description = "Qdrant API key (default: environment variable QDRANT_API_KEY)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("QDRANT_API_KEY") };
    public readonly Option<string> QdrantCollection = new("--qdrant-collection") { Description = "Qdrant collection", DefaultValueFactory = _ => "reid-persons" };
    public readonly Option<string> Events = new("--events") { Description = "jsonl (OUT/events.jsonl) or kafka (also written to OUT/events.jsonl)", DefaultValueFactory = _ => "jsonl" };
    public readonly Option<string> Kafka = new("--kafka") { Description = "Kafka bootstrap servers", DefaultValueFactory = _ => "localhost:9092" };
    public readonly Option<string> Topic = new("--topic") { Description = "Kafka topic", DefaultValueFactory = _ => KafkaSinkOptions.DefaultTopic };

    public void AddTo(Command command, bool withEvents)
    {
        foreach (var o in new Option[] { Model, Device, MatchThreshold, Tracker, TrackAppearance, StaticIou, Detector, DetectorModel, Detections, HogUpscale, Gallery, GalleryPath, Qdrant, QdrantApiKey, QdrantCollection })
            command.Options.Add(o);
        if (withEvents)
            foreach (var o in new Option[] { Events, Kafka, Topic })
                command.Options.Add(o);
    }

    public Embedder OpenEmbedder(ParseResult parse, ILogger logger) =>
        Embedder.Open(parse.GetValue(Model) ?? DefaultModel.Path, parse.GetValue(Device), logger);

    /// <summary>The detector for input <paramref name="index"/> of <paramref name="count"/>.</summary>
    public IDetector CreateDetector(ParseResult parse, int index, int count, ILogger logger)
    {
        string[] files = parse.GetValue(Detections) ?? [];
        if (files.Length > 0)
        {
            if (files.Length != count)
                throw new UserInputException($"--detections was given {files.Length} time(s) for {count} input(s); give one det.txt per input");
            return new DetectionFileDetector(files[index]);
        }
        string kind = parse.GetValue(Detector)!.ToLowerInvariant();
        switch (kind)
        {
            case "hog":
                string upscale = parse.GetValue(HogUpscale)!;
                if (upscale.Equals("auto", StringComparison.OrdinalIgnoreCase)) return NewHogDetector();
                if (!double.TryParse(upscale, NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) || factor is < 0.25 or > 4)
                    throw new UserInputException($"--hog-upscale {upscale} is not auto or a factor from 0.25 to 4; e.g. --hog-upscale 1 to detect at the frame's own size");
                return NewHogDetector(factor);
            case "onnx":
                string model = parse.GetValue(DetectorModel)
                    ?? throw new UserInputException("--detector onnx needs --detector-model PATH (a YOLOv8/YOLO11 ONNX export; see docs/detectors.md)");
                return NewOnnxDetector(model, parse.GetValue(Device), logger);
            default:
                throw new UserInputException($"--detector '{kind}' is unknown; use hog or onnx (or --detections FILE)");
        }
    }

    /// <param name="upscale">null: scale small frames up automatically (<see cref="HogOptions.AutoUpscale"/>).</param>
    public static IDetector NewHogDetector(double? upscale = null) => new HogDetector(new HogOptions(Upscale: upscale));

    public static IDetector NewOnnxDetector(string modelPath, DevicePreference device, ILogger logger) =>
        new YoloDetector(new YoloDetectorOptions { ModelPath = modelPath, Device = device }, logger);

    public ReIdWorker.Replay.PipelineOptions PipelineOptions(ParseResult parse)
    {
        float staticIou = parse.GetValue(StaticIou);
        if (!(staticIou is >= 0 and <= 1))
            throw new UserInputException($"--static-iou must be an IoU between 0 and 1 (got {staticIou}); 1 turns the rule off");
        return new(AppearanceAssociation: parse.GetValue(TrackAppearance), StaticIou: staticIou);
    }

    /// <summary>A factory, since every camera needs its own tracker.</summary>
    public Func<ITracker> TrackerFactory(ParseResult parse)
    {
        string kind = parse.GetValue(Tracker)!.ToLowerInvariant();
        return kind is "byte" or "iou" ? NewTracker(kind) : throw new UserInputException($"--tracker '{kind}' is unknown; use byte or iou");
    }

    /// <summary>A tracker factory by name: byte (default) or iou.</summary>
    public static Func<ITracker> NewTracker(string kind) =>
        kind.Equals("iou", StringComparison.OrdinalIgnoreCase) ? () => new IouTracker(new TrackerOptions()) : NewByteTracker;

    /// <summary>The default tracker (ByteTrack-style).</summary>
    public static ITracker NewByteTracker() => new ByteTracker(new ByteTrackerOptions());

    public IdentityResolverOptions ResolverOptions(ParseResult parse, Embedder embedder, ILogger logger)
    {
        float threshold = parse.GetValue(MatchThreshold) ?? DefaultMatchThreshold(embedder, logger);
        if (threshold is <= -1 or > 1)
            throw new UserInputException($"--match-threshold {threshold} is not a cosine similarity; use a value in (-1, 1]");
        return new IdentityResolverOptions(MatchThreshold: threshold);
    }

    /// <summary>
    /// The model's own reid.match_threshold, else 0.75 with a warning: the right threshold depends on the
    /// model (0.6 for the default, 0.75 merged 23 identities where 15 were right on the sample footage with
    /// a fine-tuned model exported without one), so a model without it is matched at a guess.
    /// </summary>
    public static float DefaultMatchThreshold(Embedder embedder, ILogger logger)
    {
        if (embedder.Metadata.MatchThreshold is { } t) return t;
        logger.LogWarning("Model {Model} carries no reid.match_threshold, so identities are matched at 0.75, a guess for this model; " +
                          "pass --match-threshold (MatchThreshold in run), or export the model with reid-train export --match-threshold", embedder.Metadata.Id);
        return 0.75f;
    }

    public IGallery CreateGallery(ParseResult parse, string defaultPath)
    {
        string kind = parse.GetValue(Gallery)!.ToLowerInvariant();
        return kind switch
        {
            "embedded" => new EmbeddedGallery(parse.GetValue(GalleryPath) ?? defaultPath),
            "qdrant" => new QdrantGallery(new QdrantGalleryOptions
            {
                Url = parse.GetValue(Qdrant)!,
                Collection = parse.GetValue(QdrantCollection)!,
                ApiKey = parse.GetValue(QdrantApiKey),
            }),
            _ => throw new UserInputException($"--gallery '{kind}' is unknown; use embedded or qdrant"),
        };
    }

    /// <summary>The JSONL artefact always; Kafka in addition when selected.</summary>
    public IEventSink CreateEventSink(ParseResult parse, string jsonlPath, ILoggerFactory loggers)
    {
        string kind = parse.GetValue(Events)!.ToLowerInvariant();
        var jsonl = new JsonlEventSink(jsonlPath, append: false, loggers.CreateLogger<JsonlEventSink>());
        return kind switch
        {
            "jsonl" => jsonl,
            "kafka" => new FanOutEventSink([jsonl, new KafkaEventSink(new KafkaSinkOptions
            {
                BootstrapServers = parse.GetValue(Kafka)!,
                Topic = parse.GetValue(Topic)!,
            }, loggers.CreateLogger<KafkaEventSink>())]),
            _ => throw new UserInputException($"--events '{kind}' is unknown; use jsonl or kafka"),
        };
    }
}
