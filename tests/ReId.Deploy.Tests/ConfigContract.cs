using System.Text.Json;

namespace ReId.Deploy.Tests;

/// <summary>
/// The configuration keys `reid run` reads (the contract between the worker and the deployment
/// files). Array elements are written with '*' in place of the index. The compose example
/// deploy/config/appsettings.json is written to hold exactly these keys, and a test holds it to that,
/// so this list and the example cannot drift apart silently.
/// </summary>
public static class ConfigContract
{
    public const string Section = "Reid";
    public const string EnvironmentPrefix = "REID__";

    public static readonly IReadOnlySet<string> Keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Reid:WorkerId", "Reid:Model", "Reid:Device", "Reid:Detector", "Reid:CamerasFile",
        "Reid:Tracker", "Reid:TrackAppearance", "Reid:StaticIou", "Reid:MatchThreshold",
        "Reid:Cameras:*:Id", "Reid:Cameras:*:Source", "Reid:Cameras:*:Loop", "Reid:OverlappingCameras:*",
        "Reid:Shard:Index", "Reid:Shard:Count",
        "Reid:Events:Kafka:BootstrapServers", "Reid:Events:Kafka:Topic", "Reid:Events:JsonlPath",
        "Reid:Outbox:Directory", "Reid:Outbox:MaxBytes",
        "Reid:Gallery:Kind", "Reid:Gallery:Path",
        "Reid:Gallery:Qdrant:Url", "Reid:Gallery:Qdrant:Collection", "Reid:Gallery:Qdrant:ApiKey",
        "Reid:Live:StallTimeoutSeconds", "Reid:Live:ReconnectMaxDelaySeconds", "Reid:Live:BufferFrames",
        "Reid:Embedder:MaxBatch", "Reid:Embedder:MaxWaitMilliseconds",
        "Reid:Http:Port", "Reid:ShutdownTimeoutSeconds",
    };

    /// <summary>Keys of a cameras file ({"Cameras":[...]}), relative to its root.</summary>
    public static readonly IReadOnlySet<string> CameraFileKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Cameras:*:Id", "Cameras:*:Source", "Cameras:*:Loop",
    };

    /// <summary>The configuration key an environment variable sets, or null when it is not one of
    /// ours: REID__Events__Kafka__Topic sets Reid:Events:Kafka:Topic.</summary>
    public static string? KeyOfEnvironmentVariable(string name) =>
        name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal)
            ? Section + ":" + name[EnvironmentPrefix.Length..].Replace("__", ":")
            : null;

    /// <summary>Matches a concrete key (Reid:Cameras:0:Id) against the contract (Reid:Cameras:*:Id).
    /// Configuration keys are case-insensitive, as in Microsoft.Extensions.Configuration.</summary>
    public static bool IsContractKey(string key, IReadOnlySet<string>? keys = null) =>
        (keys ?? Keys).Contains(Normalise(key));

    private static string Normalise(string key) =>
        string.Join(':', key.Split(':').Select(part => part.Length > 0 && part.All(char.IsAsciiDigit) ? "*" : part));

    /// <summary>Leaf keys of a JSON configuration file as Microsoft.Extensions.Configuration
    /// flattens them (arrays by index). Empty arrays and objects have no leaves.</summary>
    public static Dictionary<string, JsonElement> Flatten(JsonDocument doc)
    {
        var keys = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        Visit(doc.RootElement, "", keys);
        return keys;
    }

    private static void Visit(JsonElement e, string prefix, Dictionary<string, JsonElement> keys)
    {
        string Join(string part) => prefix.Length == 0 ? part : prefix + ":" + part;
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject()) Visit(p.Value, Join(p.Name), keys);
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray()) Visit(item, Join((i++).ToString(System.Globalization.CultureInfo.InvariantCulture)), keys);
                break;
            default:
                keys[prefix] = e;
                break;
        }
    }

    /// <summary>A JSON file strictly parsed (no comments, no trailing commas: the examples are
    /// meant to be copied into any JSON tool).</summary>
    public static JsonDocument LoadJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException ex) { throw new DeployFileException($"is not valid JSON ({ex.Message}): fix the syntax"); }
    }
}
