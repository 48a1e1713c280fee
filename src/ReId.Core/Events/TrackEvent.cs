using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace ReId.Core.Events;

/// <summary>A box in pixels and in [0,1] coordinates of its frame.</summary>
public sealed record EventBox(
    [property: JsonPropertyName("x")] float X,
    [property: JsonPropertyName("y")] float Y,
    [property: JsonPropertyName("w")] float W,
    [property: JsonPropertyName("h")] float H);

/// <summary>
/// One track event, schema v1 (docs/track-event.md, docs/schemas/track-event.v1.schema.json).
/// Field names and meanings are a contract with downstream consumers: add optional fields,
/// never rename or repurpose one without a new schema version.
/// </summary>
public sealed record TrackEvent
{
    public const int CurrentSchemaVersion = 1;

    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    /// <summary>Deterministic from source, camera, track and sequence: replays and retries repeat it.</summary>
    [JsonPropertyName("eventId")] public required string EventId { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("cameraId")] public required string CameraId { get; init; }
    /// <summary>Track id, unique within one camera and one run of the source.</summary>
    [JsonPropertyName("trackId")] public required int TrackId { get; init; }
    /// <summary>Per-track event counter starting at 0: orders one track's events.</summary>
    [JsonPropertyName("sequence")] public required int Sequence { get; init; }
    /// <summary>Global person id, null until the track is identified.</summary>
    [JsonPropertyName("personId")] public string? PersonId { get; init; }
    /// <summary>Increments each time this track's person id changes.</summary>
    [JsonPropertyName("identityRevision")] public int IdentityRevision { get; init; }
    /// <summary>
    /// <see cref="Events.IdentityStatus.Provisional"/> or <see cref="Events.IdentityStatus.Firm"/> when
    /// <see cref="PersonId"/> is set, otherwise null (omitted). Added to v1 as an optional field.
    /// </summary>
    [JsonPropertyName("identityStatus")] public string? IdentityStatus { get; init; }
    /// <summary>Cosine similarity of the match; null for a new identity or no identity.</summary>
    [JsonPropertyName("similarity")] public float? Similarity { get; init; }
    [JsonPropertyName("box")] public EventBox? Box { get; init; }
    [JsonPropertyName("boxNormalized")] public EventBox? BoxNormalized { get; init; }
    /// <summary>ISO 8601 UTC time of the frame.</summary>
    [JsonPropertyName("timestamp")] public required DateTimeOffset Timestamp { get; init; }
    /// <summary>"media" (file position + start time) or "wallclock" (live capture time).</summary>
    [JsonPropertyName("timestampSource")] public required string TimestampSource { get; init; }
    /// <summary>1-based frame number in the source, as in MOTChallenge files.</summary>
    [JsonPropertyName("frame")] public required long Frame { get; init; }
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("modelVersion")] public required string ModelVersion { get; init; }
    [JsonPropertyName("workerId")] public required string WorkerId { get; init; }
    /// <summary>For identity.merged: the person id that was absorbed into <see cref="PersonId"/>.</summary>
    [JsonPropertyName("mergedPersonId")] public string? MergedPersonId { get; init; }

    /// <summary>
    /// A UUID-formatted id hashed from what identifies the event, so a replay of the same footage or a
    /// retried delivery produces the same id and consumers can de-duplicate.
    /// </summary>
    public static string MakeId(string source, string cameraId, int trackId, int sequence)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{source}\n{cameraId}\n{trackId}\n{sequence}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom, RFC 9562)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash[..16], bigEndian: true).ToString();
    }
}

/// <summary>How settled a track's person id is (the event field <c>identityStatus</c>).</summary>
public static class IdentityStatus
{
    /// <summary>
    /// Decided from the first few crops, or while the shared gallery was unreachable (against this
    /// worker's local cache): it may still be revised, or merged with an id another worker gave.
    /// </summary>
    public const string Provisional = "provisional";

    /// <summary>Confirmed with the track's fuller appearance against the shared gallery.</summary>
    public const string Firm = "firm";

    /// <summary>The status of a track's identity after a decision, for the pipeline that carries it.</summary>
    /// <param name="confirmed">The decision looked at the track's fuller appearance (a reconsideration).</param>
    /// <param name="degraded">The decision was made against the local cache only.</param>
    public static string Of(bool confirmed, bool degraded) => confirmed && !degraded ? Firm : Provisional;
}
