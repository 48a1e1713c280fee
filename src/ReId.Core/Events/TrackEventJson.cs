using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReId.Core.Events;

/// <summary>The one place that turns events into schema v1 JSON (one line, UTC timestamps).</summary>
public static class TrackEventJson
{
    public static string Serialize(TrackEvent e) => JsonSerializer.Serialize(e, TrackEventJsonContext.Default.TrackEvent);

    public static byte[] SerializeToUtf8(TrackEvent e) =>
        JsonSerializer.SerializeToUtf8Bytes(e, TrackEventJsonContext.Default.TrackEvent);

    public static TrackEvent Deserialize(string json) =>
        JsonSerializer.Deserialize(json, TrackEventJsonContext.Default.TrackEvent)
        ?? throw new JsonException("null track event");
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(TrackEvent))]
internal sealed partial class TrackEventJsonContext : JsonSerializerContext;

/// <summary>Writes timestamps as ISO 8601 UTC with millisecond precision ("2009-01-01T12:00:00.040Z").</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
