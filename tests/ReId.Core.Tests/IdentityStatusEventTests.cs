using System.Text.Json.Nodes;
using Json.Schema;
using ReId.Core.Events;

namespace ReId.Core.Tests;

/// <summary>
/// identityStatus is an optional v1 field: the serializer writes it when the pipeline sets it, the
/// published schema accepts it only with a person id, and events without it stay valid.
/// </summary>
public class IdentityStatusEventTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromFile(SchemaPath());

    private static TrackEvent Identified(string? status) => new()
    {
        EventId = TrackEvent.MakeId("s", "cam-1", 7, 1), Type = TrackEventType.Identified, CameraId = "cam-1", TrackId = 7,
        Sequence = 1, PersonId = "p-0123456789ab", IdentityStatus = status, Similarity = 0.88f,
        Box = new EventBox(10, 20, 30, 60), BoxNormalized = new EventBox(0.1f, 0.2f, 0.3f, 0.6f),
        Timestamp = new DateTimeOffset(2026, 11, 28, 14, 0, 0, TimeSpan.Zero),
        TimestampSource = "wallclock", Frame = 40, Source = "rtsp://cam-1", ModelVersion = "m@1", WorkerId = "edge-01",
    };

    [Theory]
    [InlineData(IdentityStatus.Provisional)]
    [InlineData(IdentityStatus.Firm)]
    public void The_serializer_writes_the_status_and_the_schema_accepts_it(string status)
    {
        string json = TrackEventJson.Serialize(Identified(status));

        JsonNode node = JsonNode.Parse(json)!;
        Assert.Equal(status, node["identityStatus"]!.GetValue<string>());
        Assert.Equal(status, TrackEventJson.Deserialize(json).IdentityStatus);
        AssertValid(node);
    }

    [Fact]
    public void Without_a_status_the_field_is_omitted_and_the_event_is_still_valid()
    {
        // What producers from before the field wrote, and what old consumers keep reading.
        string json = TrackEventJson.Serialize(Identified(null));

        JsonNode node = JsonNode.Parse(json)!;
        Assert.False(node.AsObject().ContainsKey("identityStatus"));
        AssertValid(node);
    }

    [Fact]
    public void The_schema_refuses_an_unknown_status_and_a_status_without_a_person_id()
    {
        JsonNode unknown = JsonNode.Parse(TrackEventJson.Serialize(Identified("certain")))!;
        Assert.False(Evaluate(unknown).IsValid);

        var started = Identified(IdentityStatus.Provisional) with { Type = TrackEventType.Started, PersonId = null, Similarity = null };
        JsonNode withoutPerson = JsonNode.Parse(TrackEventJson.Serialize(started))!;
        Assert.False(Evaluate(withoutPerson).IsValid);
        withoutPerson.AsObject().Remove("identityStatus");
        AssertValid(withoutPerson);
    }

    [Theory]
    [InlineData(false, false, IdentityStatus.Provisional)] // first decision from a few crops
    [InlineData(false, true, IdentityStatus.Provisional)]
    [InlineData(true, true, IdentityStatus.Provisional)]   // confirmed, but only against the local cache
    [InlineData(true, false, IdentityStatus.Firm)]
    public void A_status_is_firm_only_when_confirmed_against_the_shared_gallery(bool confirmed, bool degraded, string expected) =>
        Assert.Equal(expected, IdentityStatus.Of(confirmed, degraded));

    private static EvaluationResults Evaluate(JsonNode node) =>
        Schema.Evaluate(node, new EvaluationOptions { OutputFormat = OutputFormat.List });

    private static void AssertValid(JsonNode node)
    {
        EvaluationResults result = Evaluate(node);
        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.HasErrors)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    private static string SchemaPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "docs", "schemas", "track-event.v1.schema.json");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("docs/schemas/track-event.v1.schema.json not found above " + AppContext.BaseDirectory);
    }
}
