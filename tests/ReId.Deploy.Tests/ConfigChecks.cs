using System.Text.Json;

namespace ReId.Deploy.Tests;

/// <summary>Checks the example configuration files against the configuration contract.</summary>
public static class ConfigChecks
{
    /// <summary>Worker configuration files (appsettings layout) shipped in deploy/.</summary>
    public static IEnumerable<string> WorkerConfigFiles(RepoTree repo) =>
        new[] { DeployPaths.ComposeConfig, $"{DeployPaths.Kubernetes}/appsettings.json" }.Where(repo.Exists);

    /// <summary>Camera list files ({"Cameras":[...]}) shipped in deploy/.</summary>
    public static IEnumerable<string> CameraFiles(RepoTree repo) =>
        new[] { DeployPaths.CamerasExample, $"{DeployPaths.Kubernetes}/cameras.json" }.Where(repo.Exists);

    public static Problems Check(RepoTree repo)
    {
        var problems = new Problems();
        problems.Check(repo.Exists(DeployPaths.ComposeConfig), DeployPaths.ComposeConfig, "is missing: it is the reference example of every configuration key");
        problems.Check(repo.Exists(DeployPaths.CamerasExample), DeployPaths.CamerasExample, "is missing: it documents the cameras file (Reid:CamerasFile)");
        string? volume = null;
        problems.Guard(DeployPaths.Dockerfile, () => volume = ImageChecks.Facts(repo).Volumes.FirstOrDefault());

        foreach (var file in WorkerConfigFiles(repo))
        {
            problems.Guard(file, () =>
            {
                using var doc = ConfigContract.LoadJson(repo.PathOf(file));
                var keys = ConfigContract.Flatten(doc);
                foreach (var key in keys.Keys.Where(k => !ConfigContract.IsContractKey(k)))
                    problems.Add(file, $"unknown key {key}: the worker ignores it; use a key of the configuration contract (docs/deployment.md)");
                CheckCameras(file, keys, "Reid:Cameras", problems);
                CheckValues(file, keys, volume, problems);
            });
        }

        // The compose example is the full reference: every contract key appears in it, so the list
        // in ConfigContract is exactly the example's keys.
        problems.Guard(DeployPaths.ComposeConfig, () =>
        {
            using var doc = ConfigContract.LoadJson(repo.PathOf(DeployPaths.ComposeConfig));
            var present = ConfigContract.Flatten(doc).Keys
                .Select(k => string.Join(':', k.Split(':').Select(p => p.All(char.IsAsciiDigit) ? "*" : p)))
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var key in ConfigContract.Keys.Where(k => !present.Contains(k)))
                problems.Add(DeployPaths.ComposeConfig, $"lacks {key}: the example must show every key of the contract (null where the worker has a default)");
        });

        foreach (var file in CameraFiles(repo))
        {
            problems.Guard(file, () =>
            {
                using var doc = ConfigContract.LoadJson(repo.PathOf(file));
                var keys = ConfigContract.Flatten(doc);
                foreach (var key in keys.Keys.Where(k => !ConfigContract.IsContractKey(k, ConfigContract.CameraFileKeys)))
                    problems.Add(file, $"unknown key {key}: a cameras file holds only {{\"Cameras\":[{{\"Id\",\"Source\",\"Loop\"}}]}}");
                problems.Check(keys.Keys.Any(k => k.StartsWith("Cameras:", StringComparison.OrdinalIgnoreCase)), file, "lists no cameras");
                CheckCameras(file, keys, "Cameras", problems);
            });
        }

        // The worker's own defaults (src/ReIdWorker/appsettings.json, when present) must not use
        // keys the deployment files and docs do not know about.
        if (repo.Exists(DeployPaths.WorkerDefaults))
        {
            problems.Guard(DeployPaths.WorkerDefaults, () =>
            {
                using var doc = ConfigContract.LoadJson(repo.PathOf(DeployPaths.WorkerDefaults));
                foreach (var key in ConfigContract.Flatten(doc).Keys.Where(k => k.StartsWith("Reid:", StringComparison.OrdinalIgnoreCase) && !ConfigContract.IsContractKey(k)))
                    problems.Add(DeployPaths.WorkerDefaults, $"has {key}, which the configuration contract lacks: add it to ConfigContract.Keys, deploy/config/appsettings.json and docs/deployment.md");
            });
        }
        return problems;
    }

    private static void CheckCameras(string file, Dictionary<string, JsonElement> keys, string prefix, Problems problems)
    {
        var cameras = keys.Keys
            .Where(k => k.StartsWith(prefix + ":", StringComparison.OrdinalIgnoreCase))
            .Select(k => k[(prefix.Length + 1)..].Split(':')[0])
            .Distinct()
            .ToList();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var index in cameras)
        {
            string at = $"{prefix}:{index}";
            string? id = keys.TryGetValue(at + ":Id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            string? source = keys.TryGetValue(at + ":Source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            problems.Check(!string.IsNullOrWhiteSpace(id), file, $"{at}:Id is empty: every camera needs an id (its events and shard follow it)");
            problems.Check(!string.IsNullOrWhiteSpace(source), file, $"{at}:Source is empty: set a file path, /dev/videoN or an rtsp:// URL");
            if (!string.IsNullOrWhiteSpace(id)) problems.Check(ids.Add(id), file, $"{at}:Id '{id}' is used twice: camera ids must be unique");
        }
    }

    private static void CheckValues(string file, Dictionary<string, JsonElement> keys, string? volume, Problems problems)
    {
        if (keys.TryGetValue("Reid:Http:Port", out var port))
            problems.Check(port.ValueKind == JsonValueKind.Number && port.TryGetInt32(out int p) && p is > 0 and < 65536, file, "Reid:Http:Port must be a port number");
        if (keys.TryGetValue("Reid:ShutdownTimeoutSeconds", out var shutdown))
            problems.Check(shutdown.ValueKind == JsonValueKind.Number && shutdown.TryGetInt32(out int t) && t > 0, file, "Reid:ShutdownTimeoutSeconds must be a positive number of seconds");
        if (volume is null) return;
        // Writable state must be on the volume, or it is lost with the container.
        foreach (var key in new[] { "Reid:Outbox:Directory", "Reid:Gallery:Path" })
        {
            if (keys.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String)
                problems.Check(v.GetString()!.StartsWith(volume + "/", StringComparison.Ordinal), file,
                    $"{key} is {v.GetString()}, outside the image's volume {volume}: the data would be lost on restart");
        }
    }
}
