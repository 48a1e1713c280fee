using System.Text.Json.Serialization;

namespace ReIdWorker.Replay;

/// <summary>summary.json: what a replay did and how fast, for people and for scripts.</summary>
public sealed record ReplaySummary
{
    [JsonPropertyName("cameras")] public required IReadOnlyList<CameraSummary> Cameras { get; init; }
    [JsonPropertyName("frames")] public long Frames { get; init; }
    [JsonPropertyName("tracks")] public int Tracks { get; init; }
    [JsonPropertyName("identities")] public int Identities { get; init; }
    [JsonPropertyName("events")] public long Events { get; init; }
    [JsonPropertyName("galleryExemplars")] public long GalleryExemplars { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("embeddingDim")] public int EmbeddingDim { get; init; }
    [JsonPropertyName("executionProvider")] public required string ExecutionProvider { get; init; }
    [JsonPropertyName("detector")] public required string Detector { get; init; }
    [JsonPropertyName("gallery")] public required string Gallery { get; init; }
    [JsonPropertyName("events_sink")] public required string EventSink { get; init; }
    [JsonPropertyName("wallSeconds")] public double WallSeconds { get; init; }
    [JsonPropertyName("throughput")] public required StageThroughput Throughput { get; init; }
}

public sealed record CameraSummary(
    [property: JsonPropertyName("cameraId")] string CameraId,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("frames")] long Frames,
    [property: JsonPropertyName("detections")] long Detections,
    [property: JsonPropertyName("tracks")] int Tracks,
    [property: JsonPropertyName("staticTracks")] int StaticTracks,
    [property: JsonPropertyName("crops")] long Crops,
    [property: JsonPropertyName("events")] long Events,
    [property: JsonPropertyName("newIdentities")] int NewIdentities,
    [property: JsonPropertyName("reidentified")] int Reidentified,
    [property: JsonPropertyName("identityRevisions")] int IdentityRevisions,
    [property: JsonPropertyName("identityMerges")] int IdentityMerges);

/// <summary>
/// Each stage's rate over its own busy time (decode and detection run in parallel with the rest,
/// so these do not add up to the end-to-end rate).
/// </summary>
public sealed record StageThroughput(
    [property: JsonPropertyName("decodeFramesPerSecond")] double DecodeFps,
    [property: JsonPropertyName("detectFramesPerSecond")] double DetectFps,
    [property: JsonPropertyName("embedCropsPerSecond")] double EmbedCropsPerSecond,
    [property: JsonPropertyName("endToEndFramesPerSecond")] double EndToEndFps);
