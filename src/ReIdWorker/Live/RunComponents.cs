using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using ReId.Core.Events;
using ReId.Core.Gallery;
using ReId.Core.Identity;
using ReId.Events;
using ReId.Events.Outbox;
using ReId.Gallery;
using ReId.Inference;
using ReId.Vision.Detectors;
using ReId.Vision.Sources;
using ReIdWorker.Cli;
using ReIdWorker.Replay;

namespace ReIdWorker.Live;

/// <summary>
/// The stages every camera of <c>reid run</c> shares (model, gallery, identity resolver, event sink),
/// opened before the host starts so a missing model or an unusable folder stops the worker at once;
/// Kafka and Qdrant being down do not (the outbox and the gallery's local cache cover them).
/// Disposed by <see cref="RunLifecycle"/> after the cameras stopped.
/// </summary>
public sealed class RunComponents
{
    public required RunOptions Options { get; init; }
    public required IReadOnlyList<CameraOptions> Cameras { get; init; }
    public required Embedder Embedder { get; init; }
    public required BatchingEmbedder BatchingEmbedder { get; init; }
    public required IGallery Gallery { get; init; }
    public required RunEventSink Sink { get; init; }
    public required CameraServices CameraServices { get; init; }

    /// <param name="meters">The host's meter factory, so the resilient gallery's meter reaches /metrics.</param>
    public static async Task<RunComponents> OpenAsync(RunOptions options, ILoggerFactory loggers, IMeterFactory? meters, CancellationToken ct)
    {
        var device = Enum.Parse<DevicePreference>(options.Device, ignoreCase: true);
        var embedder = Embedder.Open(string.IsNullOrWhiteSpace(options.Model) ? DefaultModel.Path : options.Model, device,
            loggers.CreateLogger<Embedder>(), maxBatch: options.Embedder.MaxBatch);
        IGallery? gallery = null;
        RunEventSink? sink = null;
        try
        {
            gallery = new InstrumentedGallery(CreateGallery(options, loggers, meters));
            await gallery.EnsureReadyAsync(embedder.Dimension, ct);
            sink = CreateEventSink(options, loggers);
            await sink.CheckReadyAsync(ct);

            var batching = new BatchingEmbedder(embedder,
                new BatchingOptions(options.Embedder.MaxBatch, TimeSpan.FromMilliseconds(options.Embedder.MaxWaitMilliseconds)),
                loggers.CreateLogger<BatchingEmbedder>())
            {
                BatchCompleted = RunMetrics.Observe,
            };
            RunMetrics.EmbedderInfo.WithLabels(embedder.Metadata.Id, embedder.Provider).Set(1);
            var resolver = new IdentityResolver(gallery, new IdentityResolverOptions(
                    MatchThreshold: options.MatchThreshold is { } t ? (float)t : StageOptions.DefaultMatchThreshold(embedder, loggers.CreateLogger<IdentityResolver>())),
                embedder.Metadata.Id, loggers.CreateLogger<IdentityResolver>());
            string detector = options.Detector.Trim();
            Func<IDetector> newDetector = detector.StartsWith("yolo:", StringComparison.OrdinalIgnoreCase)
                ? () => StageOptions.NewOnnxDetector(detector["yolo:".Length..], device, loggers.CreateLogger("detector"))
                : () => StageOptions.NewHogDetector();
            var sourceOptions = new LiveSourceOptions
            {
                StallTimeout = TimeSpan.FromSeconds(options.Live.StallTimeoutSeconds),
                ReconnectMaxDelay = TimeSpan.FromSeconds(options.Live.ReconnectMaxDelaySeconds),
                BufferFrames = options.Live.BufferFrames,
            };
            if (sourceOptions.ReconnectMaxDelay < sourceOptions.ReconnectBaseDelay)
                sourceOptions = sourceOptions with { ReconnectBaseDelay = sourceOptions.ReconnectMaxDelay };
            sourceOptions.Validate();

            return new RunComponents
            {
                Options = options,
                Cameras = RunConfiguration.CamerasOfShard(options),
                Embedder = embedder,
                BatchingEmbedder = batching,
                Gallery = gallery,
                Sink = sink,
                CameraServices = new CameraServices(batching, resolver, new LiveIdentities(CameraOverlap.Parse(options.OverlappingCameras, out _)!), sink, newDetector,
                    StageOptions.NewTracker(options.Tracker), new PipelineOptions(AppearanceAssociation: options.TrackAppearance ?? embedder.Provider == OrtSessionFactory.CudaProvider,
                        StaticIou: (float)options.StaticIou),
                    sourceOptions, options.WorkerId!),
            };
        }
        catch
        {
            if (sink is not null) await sink.DisposeAsync();
            if (gallery is not null) await gallery.DisposeAsync();
            embedder.Dispose();
            throw;
        }
    }

    private static IGallery CreateGallery(RunOptions options, ILoggerFactory loggers, IMeterFactory? meters)
    {
        var logger = loggers.CreateLogger("run");
        var g = options.Gallery;
        if (g.Kind.Equals("qdrant", StringComparison.OrdinalIgnoreCase))
            // Qdrant coming and going must not stop identities: the resilient gallery answers from a local
            // cache (decisions marked provisional) and replays queued writes when Qdrant returns.
            return new ResilientGallery(
                new QdrantGallery(new QdrantGalleryOptions { Url = g.Qdrant.Url, Collection = g.Qdrant.Collection, ApiKey = g.Qdrant.ApiKey }),
                new ResilientGalleryOptions(), loggers.CreateLogger<ResilientGallery>(), meters);
        string path = string.IsNullOrWhiteSpace(g.Path) ? RunConfiguration.DefaultPath("gallery.bin") : g.Path;
        logger.LogInformation("Embedded gallery {Path}", path);
        return new EmbeddedGallery(path);
    }

    private static RunEventSink CreateEventSink(RunOptions options, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger<RunEventSink>();
        var kafka = options.Events.Kafka;
        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            string path = string.IsNullOrWhiteSpace(options.Events.JsonlPath) ? RunConfiguration.DefaultPath("events.jsonl") : options.Events.JsonlPath;
            var jsonl = OpenJsonl(path, loggers);
            return new RunEventSink(jsonl, null, Path.GetDirectoryName(Path.GetFullPath(path)), logger);
        }

        string folder = string.IsNullOrWhiteSpace(options.Outbox.Directory) ? RunConfiguration.DefaultPath("outbox") : options.Outbox.Directory;
        var kafkaSink = new KafkaEventSink(new KafkaSinkOptions
        {
            BootstrapServers = kafka.BootstrapServers!,
            Topic = kafka.Topic,
            ClientId = $"reid-worker-{options.WorkerId}",
            // The outbox keeps what Kafka has not confirmed, so stopping need not wait long for Kafka.
            DisposeFlushTimeout = TimeSpan.FromSeconds(3),
        }, loggers.CreateLogger<KafkaEventSink>());
        OutboxEventSink outbox;
        try
        {
            Directory.CreateDirectory(folder);
            outbox = new OutboxEventSink(new InstrumentedKafkaSink(kafkaSink), new OutboxOptions { Directory = folder, MaxBytes = options.Outbox.MaxBytes },
                loggers.CreateLogger<OutboxEventSink>());
        }
        catch (Exception ex) when (ex is EventSinkNotReadyException or IOException or UnauthorizedAccessException)
        {
            kafkaSink.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new UserInputException($"Reid:Outbox:Directory '{folder}' cannot hold the event outbox ({ex.Message}); give a writable folder on persistent storage, used by this worker only");
        }
        IEventSink sink = outbox;
        if (!string.IsNullOrWhiteSpace(options.Events.JsonlPath))
            sink = new FanOutEventSink([outbox, OpenJsonl(options.Events.JsonlPath, loggers)]);
        return new RunEventSink(sink, outbox, folder, logger);
    }

    private static JsonlEventSink OpenJsonl(string path, ILoggerFactory loggers)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            // Appends: a restarted worker adds to the file instead of erasing what was there.
            return new JsonlEventSink(path, append: true, loggers.CreateLogger<JsonlEventSink>());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"Reid:Events:JsonlPath '{path}' is not writable ({ex.Message}); give a file in a writable folder");
        }
    }
}
