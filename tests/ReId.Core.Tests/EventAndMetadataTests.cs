using System.Text.Json;
using ReId.Core.Events;
using ReId.Core.Models;

namespace ReId.Core.Tests;

public class EventAndMetadataTests
{
    [Fact]
    public void Event_id_is_deterministic_and_distinct_per_input()
    {
        string a = TrackEvent.MakeId("vtest.avi", "cam1", 3, 0);
        Assert.Equal(a, TrackEvent.MakeId("vtest.avi", "cam1", 3, 0));
        Assert.NotEqual(a, TrackEvent.MakeId("vtest.avi", "cam1", 3, 1));
        Assert.NotEqual(a, TrackEvent.MakeId("vtest.avi", "cam2", 3, 0));
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", a);
    }

    [Fact]
    public void Event_json_uses_schema_names_utc_milliseconds_and_round_trips()
    {
        var e = new TrackEvent
        {
            EventId = TrackEvent.MakeId("s", "c", 1, 0), Type = TrackEventType.Identified, CameraId = "c", TrackId = 1,
            Sequence = 0, PersonId = "p-0123456789ab", Similarity = 0.9f, Box = new EventBox(1, 2, 3, 4),
            BoxNormalized = new EventBox(0.1f, 0.2f, 0.3f, 0.4f),
            Timestamp = new DateTimeOffset(2009, 3, 12, 10, 0, 1, 40, TimeSpan.FromHours(1)),
            TimestampSource = "media", Frame = 26, Source = "s", ModelVersion = "m@1", WorkerId = "w",
        };
        string json = TrackEventJson.Serialize(e);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("2009-03-12T09:00:01.040Z", doc.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.False(doc.RootElement.TryGetProperty("mergedPersonId", out _)); // nulls omitted
        Assert.DoesNotContain('\n', json);
        var back = TrackEventJson.Deserialize(json);
        Assert.Equal(e with { Timestamp = back.Timestamp }, back);
        Assert.Equal(e.Timestamp, back.Timestamp);
    }

    [Fact]
    public void Model_metadata_round_trips_through_properties()
    {
        var m = new ModelMetadata
        {
            InputName = "images", InputHeight = 384, InputWidth = 192, ChannelOrder = "BGR", PixelScale = 1f,
            Mean = [103.9f, 116.8f, 123.7f], Std = [1f, 1f, 1f], EmbeddingDim = 256, OutputNormalized = true,
            ModelName = "osnet", ModelVersion = "2.1", TrainingData = "market1501", MatchThreshold = 0.62f,
        };
        var back = ModelMetadata.FromProperties(m.ToProperties());
        Assert.Equal(m.Mean, back.Mean);
        Assert.Equal(m.Std, back.Std);
        Assert.Equal(m with { Mean = back.Mean, Std = back.Std }, back);
        Assert.Equal("osnet@2.1", back.Id);
    }

    [Theory]
    [InlineData(ModelMetadata.Keys.InputHeight, "abc")]
    [InlineData(ModelMetadata.Keys.Mean, "1,2")]
    [InlineData(ModelMetadata.Keys.ChannelOrder, "YUV")]
    [InlineData(ModelMetadata.Keys.Layout, "NHWC")]
    public void Malformed_metadata_names_the_key(string key, string value)
    {
        var ex = Assert.Throws<FormatException>(() => ModelMetadata.FromProperties(new Dictionary<string, string> { [key] = value }));
        Assert.Contains(key, ex.Message);
    }
}
