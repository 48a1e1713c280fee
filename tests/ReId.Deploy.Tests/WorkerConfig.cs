using System.Globalization;
using System.Text.Json;

namespace ReId.Deploy.Tests;

/// <summary>
/// The settings a deployment gives the worker: a JSON configuration file overlaid with REID__
/// environment variables, the way `reid run` layers them. Only the keys the checks compare.
/// </summary>
public sealed class WorkerConfig
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public string File { get; }

    private WorkerConfig(string file) => File = file;

    public static WorkerConfig Load(RepoTree repo, string relativePath, IEnumerable<KeyValuePair<string, string?>>? environment = null)
    {
        var config = new WorkerConfig(relativePath);
        using (var doc = ConfigContract.LoadJson(repo.PathOf(relativePath)))
        {
            foreach (var (key, value) in ConfigContract.Flatten(doc))
                config._values[key] = value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => value.GetString(),
                    _ => value.GetRawText(),
                };
        }
        foreach (var (name, value) in environment ?? [])
        {
            if (ConfigContract.KeyOfEnvironmentVariable(name) is { } key) config._values[key] = value;
        }
        return config;
    }

    public string? this[string key] => _values.TryGetValue(key, out var v) ? v : null;

    public int HttpPort => Int("Reid:Http:Port") ?? DeployPaths.DefaultHttpPort;

    public int ShutdownTimeoutSeconds => Int("Reid:ShutdownTimeoutSeconds") ?? DeployPaths.DefaultShutdownTimeoutSeconds;

    public string? CamerasFile => this["Reid:CamerasFile"];

    public IEnumerable<(string Id, string Source)> Cameras =>
        _values.Keys
            .Where(k => k.StartsWith("Reid:Cameras:", StringComparison.OrdinalIgnoreCase) && k.EndsWith(":Source", StringComparison.OrdinalIgnoreCase))
            .Select(k => (this[k[..^":Source".Length] + ":Id"] ?? "", this[k] ?? ""));

    private int? Int(string key) =>
        this[key] is { } s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
}
