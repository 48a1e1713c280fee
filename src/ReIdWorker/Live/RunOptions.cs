namespace ReIdWorker.Live;

/// <summary>
/// The configuration of <c>reid run</c>: section "Reid" of appsettings.json, the --config file and the
/// REID__ environment variables (docs/run.md lists every key). Paths left null get defaults under
/// /var/lib/reid when that folder exists, else in the working folder.
/// </summary>
public sealed class RunOptions
{
    public const string Section = "Reid";

    /// <summary>Written into every event; default: HOSTNAME (the pod name under Kubernetes).</summary>
    public string? WorkerId { get; set; }

    /// <summary>Embedding model (.onnx); null: the shipped default model.</summary>
    public string? Model { get; set; }

    /// <summary>auto | cpu | cuda.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>hog | yolo:/path/model.onnx.</summary>
    public string Detector { get; set; } = "hog";

    /// <summary>byte (Kalman filter + two-stage ByteTrack association) | iou (greedy overlap).</summary>
    public string Tracker { get; set; } = "byte";

    /// <summary>
    /// Let the tracker use appearance too: embeds every confident detection every frame; with a re-ID-trained
    /// model it keeps people's tracks through crossings and gaps better (IDF1 0.61 -> 0.71 with HOG on the
    /// sample footage). Null (default): on when the embedder runs on CUDA, off on a CPU, where a live stream
    /// of several cameras would fall behind (a CPU embeds ~130 crops/s; 4 cameras of 6 people at 10 fps
    /// need 240).
    /// </summary>
    public bool? TrackAppearance { get; set; }

    /// <summary>
    /// A track is published and identified once its box overlaps the box it began with by this IoU or less
    /// (<see cref="Replay.PipelineOptions.StaticIou"/>): a detector's steady false boxes on parked vehicles and
    /// posts never move. 1 publishes every confirmed track at once, for views where people stand still.
    /// </summary>
    public double StaticIou { get; set; } = new Replay.PipelineOptions().StaticIou;

    /// <summary>Cosine similarity needed to reuse an identity; null: the model's reid.match_threshold, else 0.75.</summary>
    public double? MatchThreshold { get; set; }

    /// <summary>A JSON file {"Cameras":[...]} whose cameras are added to <see cref="Cameras"/>.</summary>
    public string? CamerasFile { get; set; }

    public List<CameraOptions> Cameras { get; set; } = [];

    /// <summary>
    /// Groups of cameras whose views overlap, each "cam1,cam2": one person may be on live tracks in
    /// them at the same time. Between other cameras an identity on a live track is not given to a
    /// second track. A worker knows only its own shard's live tracks, so the rule holds between one worker's cameras.
    /// </summary>
    public List<string> OverlappingCameras { get; set; } = [];

    public ShardOptions Shard { get; set; } = new();

    public EventOptions Events { get; set; } = new();

    public OutboxSettings Outbox { get; set; } = new();

    public GallerySettings Gallery { get; set; } = new();

    public LiveSettings Live { get; set; } = new();

    public EmbedderSettings Embedder { get; set; } = new();

    public HttpSettings Http { get; set; } = new();

    /// <summary>SIGTERM to exit: stopping sources, ending tracks, flushing events, saving the gallery.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 25;
}

public sealed class CameraOptions
{
    public string? Id { get; set; }

    /// <summary>A file, /dev/videoN, or an rtsp/http/tcp/srt/udp URL.</summary>
    public string? Source { get; set; }

    /// <summary>Files only: start again at the end (demos, load checks).</summary>
    public bool Loop { get; set; }
}

public sealed class ShardOptions
{
    /// <summary>This worker's shard; null: the trailing number of HOSTNAME ("reid-2" is 2), else 0.</summary>
    public int? Index { get; set; }

    public int Count { get; set; } = 1;
}

public sealed class EventOptions
{
    public KafkaSettings Kafka { get; set; } = new();

    /// <summary>JSONL event file; used alone when Kafka is not configured, beside it when set.</summary>
    public string? JsonlPath { get; set; }
}

public sealed class KafkaSettings
{
    /// <summary>null or empty: no Kafka, events go to the JSONL file.</summary>
    public string? BootstrapServers { get; set; }

    public string Topic { get; set; } = ReId.Events.KafkaSinkOptions.DefaultTopic;
}

public sealed class OutboxSettings
{
    public string? Directory { get; set; }

    public long MaxBytes { get; set; } = 1L << 30;
}

public sealed class GallerySettings
{
    /// <summary>embedded | qdrant.</summary>
    public string Kind { get; set; } = "embedded";

    /// <summary>Embedded gallery file.</summary>
    public string? Path { get; set; }

    public QdrantSettings Qdrant { get; set; } = new();
}

public sealed class QdrantSettings
{
    public string Url { get; set; } = "http://qdrant:6334";

    public string Collection { get; set; } = "reid-persons";

    public string? ApiKey { get; set; }
}

public sealed class LiveSettings
{
    public double StallTimeoutSeconds { get; set; } = 10;

    public double ReconnectMaxDelaySeconds { get; set; } = 30;

    public int BufferFrames { get; set; } = 2;
}

public sealed class EmbedderSettings
{
    public int MaxBatch { get; set; } = 32;

    public double MaxWaitMilliseconds { get; set; } = 15;
}

public sealed class HttpSettings
{
    /// <summary>Kestrel listens here only: /metrics, /health/live, /health/ready.</summary>
    public int Port { get; set; } = 9400;
}
