using System.Globalization;

namespace ReId.Deploy.Tests;

/// <summary>Checks deploy/k8s (kustomization, StatefulSet, Services) against the repository, the
/// image and the worker configuration the ConfigMap carries.</summary>
public static class KubernetesChecks
{
    private sealed record Resource(string File, Dictionary<string, object?> Body)
    {
        public string? Kind => Body.Str("kind");
        public string? Name => Body.At("metadata", "name") as string;
    }

    public static Problems Check(RepoTree repo)
    {
        var problems = new Problems();
        const string file = DeployPaths.Kustomization;
        problems.Guard(file, () =>
        {
            if (!repo.Exists(file)) throw new DeployFileException("is missing: `kubectl apply -k deploy/k8s` needs it");
            var kustomization = Yaml.LoadMapping(repo.PathOf(file));
            var resources = new List<Resource>();
            foreach (var entry in kustomization.List("resources").OfType<string>())
            {
                string path = $"{DeployPaths.Kubernetes}/{entry}";
                if (!repo.Exists(path)) { problems.Add(file, $"lists resource {entry}, which does not exist: fix the name or add the file"); continue; }
                problems.Guard(path, () => resources.AddRange(Yaml.LoadAll(repo.PathOf(path)).OfType<Dictionary<string, object?>>().Select(b => new Resource(path, b))));
            }
            var patches = new List<Resource>();
            foreach (var patch in kustomization.List("patches").Maps().Select(p => p.Str("path")).OfType<string>())
            {
                string path = $"{DeployPaths.Kubernetes}/{patch}";
                if (!repo.Exists(path)) { problems.Add(file, $"patches with {patch}, which does not exist"); continue; }
                patches.AddRange(Yaml.LoadAll(repo.PathOf(path)).OfType<Dictionary<string, object?>>().Select(b => new Resource(path, b)));
            }
            // Optional patches shipped beside the manifests are checked too, enabled or not.
            foreach (var optional in Directory.GetFiles(repo.PathOf(DeployPaths.Kubernetes), "*-patch.yaml").Select(repo.Relative))
                if (patches.All(p => p.File != optional))
                    patches.AddRange(Yaml.LoadAll(repo.PathOf(optional)).OfType<Dictionary<string, object?>>().Select(b => new Resource(optional, b)));

            var generated = new Dictionary<string, List<string>>();
            foreach (var generator in kustomization.List("configMapGenerator").Maps())
            {
                var files = new List<string>();
                foreach (var entry in generator.List("files").OfType<string>())
                {
                    // "key=path" or "path": the key is the file name inside the ConfigMap.
                    string[] kv = entry.Split('=', 2);
                    string path = kv[^1], key = kv.Length == 2 ? kv[0] : Path.GetFileName(path);
                    problems.Check(repo.Exists($"{DeployPaths.Kubernetes}/{path}"), file, $"configMapGenerator {generator.Str("name")} takes {path}, which does not exist");
                    files.Add(key);
                }
                generated[generator.Str("name") ?? ""] = files;
            }

            var statefulSets = resources.Where(r => r.Kind == "StatefulSet").ToList();
            if (statefulSets.Count != 1) { problems.Add(file, $"expected one StatefulSet (the worker), found {statefulSets.Count}"); return; }
            CheckStatefulSet(repo, statefulSets[0], resources, patches, generated, kustomization, problems);
        });
        return problems;
    }

    private static void CheckStatefulSet(RepoTree repo, Resource sts, List<Resource> resources, List<Resource> patches,
        Dictionary<string, List<string>> generated, Dictionary<string, object?> kustomization, Problems problems)
    {
        string file = sts.File;
        var image = ImageChecks.Facts(repo);
        var pod = sts.Body.At("spec", "template", "spec");
        var podLabels = sts.Body.At("spec", "template", "metadata", "labels") as Dictionary<string, object?> ?? [];
        var containers = pod.List("containers").Maps().ToList();
        if (containers.Count != 1) { problems.Add(file, $"expected one container (the worker), found {containers.Count}"); return; }
        var container = containers[0];
        var env = container.List("env").Maps().Select(e => new KeyValuePair<string, string?>(e.Str("name") ?? "", e.Str("value"))).ToList();

        EnvironmentChecks.CheckNames(file, "the worker container", env.Select(e => e.Key), problems);
        foreach (var patch in patches)
            foreach (var c in patch.Body.At("spec", "template", "spec").List("containers").Maps())
                EnvironmentChecks.CheckNames(patch.File, $"container {c.Str("name")}", c.List("env").Maps().Select(e => e.Str("name") ?? ""), problems);

        // Sharding: each pod takes Count from the env and its Index from its ordinal.
        string? replicas = sts.Body.At("spec", "replicas") as string;
        string? count = env.FirstOrDefault(e => e.Key == "REID__Shard__Count").Value;
        problems.Check(count is not null, file, "the worker container does not set REID__Shard__Count: every pod would run every camera");
        if (count is not null)
            problems.Check(replicas == count, file, $"spec.replicas is {replicas ?? "unset (1)"} but REID__Shard__Count is {count}: set both to the same number, or shards go unserved");
        if (env.FirstOrDefault(e => e.Key == "REID__Shard__Index").Value is { } fixedIndex)
            problems.Add(file, $"REID__Shard__Index is fixed to {fixedIndex}: every pod would run the same shard; leave it unset so each pod uses its ordinal");

        // Configuration: --config FILE must be in the mounted ConfigMap.
        var args = container.List("args").OfType<string>().ToList();
        int configAt = args.IndexOf("--config");
        var mounts = container.List("volumeMounts").Maps().ToList();
        var volumes = pod.List("volumes").Maps().ToList();
        WorkerConfig? config = null;
        if (configAt < 0 || configAt + 1 >= args.Count) problems.Add(file, "the worker runs without --config FILE: mount the ConfigMap and pass its appsettings.json");
        else
        {
            string configPath = args[configAt + 1];
            var (configMap, key) = ConfigMapFile(configPath, mounts, volumes);
            if (configMap is null) problems.Add(file, $"--config {configPath} is not inside a mounted ConfigMap: mount reid-config there");
            else if (!generated.TryGetValue(configMap, out var keys) || !keys.Contains(key!))
                problems.Add(file, $"--config {configPath} reads {key} from ConfigMap {configMap}, which kustomization.yaml does not generate with that file");
            else
                config = WorkerConfig.Load(repo, $"{DeployPaths.Kubernetes}/{key}", env);

            if (config?.CamerasFile is { } cameras)
            {
                var (camerasMap, camerasKey) = ConfigMapFile(cameras, mounts, volumes);
                problems.Check(camerasMap is not null && generated.TryGetValue(camerasMap, out var ck) && ck.Contains(camerasKey!), file,
                    $"Reid:CamerasFile is {cameras}, which no generated ConfigMap mounted in the pod provides: add it to configMapGenerator");
            }
        }
        int port = config?.HttpPort ?? DeployPaths.DefaultHttpPort;
        int shutdown = config?.ShutdownTimeoutSeconds ?? DeployPaths.DefaultShutdownTimeoutSeconds;

        // Ports and probes.
        var ports = container.List("ports").Maps().ToList();
        int? Resolve(object? portRef) => portRef switch
        {
            string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) => n,
            string s => ports.FirstOrDefault(p => p.Str("name") == s)?.Str("containerPort") is { } cp ? int.Parse(cp, CultureInfo.InvariantCulture) : null,
            _ => null,
        };
        problems.Check(ports.Any(p => p.Str("containerPort") == port.ToString(CultureInfo.InvariantCulture)), file,
            $"the worker declares no containerPort {port} (Reid:Http:Port)");
        problems.Check(image.ExposedPorts.Contains(port), file, $"Reid:Http:Port {port} is not what the image EXPOSEs ({string.Join(", ", image.ExposedPorts)})");
        foreach (var (probe, path) in new[] { ("livenessProbe", DeployPaths.HealthLive), ("readinessProbe", DeployPaths.HealthReady) })
        {
            var http = container.At(probe, "httpGet");
            if (http is null) { problems.Add(file, $"the worker has no {probe} (httpGet {path})"); continue; }
            problems.Check(http.Str("path") == path, file, $"{probe} probes {http.Str("path")}: use {path}");
            problems.Check(Resolve(http.At("port")) == port, file, $"{probe} probes port {http.At("port")}, the worker listens on {port}");
        }
        if (container.At("startupProbe", "httpGet") is { } startup)
        {
            problems.Check(startup.Str("path") is DeployPaths.HealthLive or DeployPaths.HealthReady, file, $"startupProbe probes {startup.Str("path")}: use {DeployPaths.HealthLive}");
            problems.Check(Resolve(startup.At("port")) == port, file, $"startupProbe probes port {startup.At("port")}, the worker listens on {port}");
        }
        CheckPrometheusAnnotations(file, "the pod template", sts.Body.At("spec", "template", "metadata", "annotations"), port, problems);

        // Graceful stop.
        string? grace = pod.Str("terminationGracePeriodSeconds");
        int graceSeconds = grace is null ? 30 : int.Parse(grace, CultureInfo.InvariantCulture);
        problems.Check(graceSeconds > shutdown, file,
            $"terminationGracePeriodSeconds is {graceSeconds}, not more than Reid:ShutdownTimeoutSeconds ({shutdown}): the kubelet would kill the worker mid-flush");

        // Non-root as the image's user.
        string? runAsNonRoot = container.At("securityContext", "runAsNonRoot") as string ?? pod.At("securityContext", "runAsNonRoot") as string;
        string? runAsUser = container.At("securityContext", "runAsUser") as string ?? pod.At("securityContext", "runAsUser") as string;
        problems.Check(runAsNonRoot == "true", file, "securityContext.runAsNonRoot must be true");
        problems.Check(runAsUser == image.User?.Split(':')[0], file, $"securityContext.runAsUser is {runAsUser ?? "unset"}, the image's USER is {image.User}: make them agree");

        // State: one claim per pod at the image's volume.
        var claims = (sts.Body.At("spec", "volumeClaimTemplates") as List<object?> ?? []).Maps().Select(c => c.At("metadata", "name") as string).ToHashSet();
        foreach (var volume in image.Volumes)
            problems.Check(mounts.Any(m => m.Str("mountPath")?.TrimEnd('/') == volume && claims.Contains(m.Str("name"))), file,
                $"no volumeClaimTemplates volume is mounted at {volume}: each pod's outbox and gallery would be lost on restart");

        // Services: the governing headless one, and the metrics one.
        string? serviceName = sts.Body.At("spec", "serviceName") as string;
        var services = resources.Where(r => r.Kind == "Service").ToList();
        var governing = services.FirstOrDefault(s => s.Name == serviceName);
        problems.Check(governing is not null && governing.Body.At("spec", "clusterIP") as string == "None", file,
            $"spec.serviceName {serviceName} must name a headless Service (clusterIP: None) among the resources");
        var selector = sts.Body.At("spec", "selector", "matchLabels") as Dictionary<string, object?> ?? [];
        problems.Check(selector.Count > 0 && selector.All(kv => podLabels.TryGetValue(kv.Key, out var v) && Equals(v, kv.Value)), file,
            "spec.selector.matchLabels does not match the pod template's labels");
        foreach (var service in services)
        {
            var svcSelector = service.Body.At("spec", "selector") as Dictionary<string, object?> ?? [];
            problems.Check(svcSelector.Count > 0 && svcSelector.All(kv => podLabels.TryGetValue(kv.Key, out var v) && Equals(v, kv.Value)), service.File,
                $"Service {service.Name} selects no worker pod: its selector must match the pod template's labels");
            foreach (var sp in (service.Body.At("spec", "ports") as List<object?> ?? []).Maps())
                problems.Check(Resolve(sp.At("targetPort") ?? sp.At("port")) == port, service.File,
                    $"Service {service.Name} port {sp.Str("name")} targets {sp.At("targetPort")}, not the worker's port {port}");
        }
        var metrics = services.Where(s => s.Body.At("metadata", "annotations", "prometheus.io/scrape") as string == "true").ToList();
        problems.Check(metrics.Count > 0, file, "no Service carries prometheus.io/scrape: \"true\": Prometheus would not find the workers' /metrics");
        foreach (var service in metrics)
            CheckPrometheusAnnotations(service.File, $"Service {service.Name}", service.Body.At("metadata", "annotations"), port, problems);

        // The image the kustomization retags must be the one the StatefulSet uses.
        string? containerImage = container.Str("image");
        var imageNames = kustomization.List("images").Maps().Select(i => i.Str("name")).ToList();
        if (imageNames.Count > 0)
            problems.Check(imageNames.Contains(containerImage?.Split(':')[0]), file,
                $"the container image {containerImage} is not among kustomization images ({string.Join(", ", imageNames)}): the registry override would not apply");
    }

    private static void CheckPrometheusAnnotations(string file, string what, object? annotations, int port, Problems problems)
    {
        if (annotations.Str("prometheus.io/scrape") != "true") return;
        problems.Check(annotations.Str("prometheus.io/port") == port.ToString(CultureInfo.InvariantCulture), file,
            $"{what}: prometheus.io/port is {annotations.Str("prometheus.io/port")}, the worker serves /metrics on {port}");
        problems.Check(annotations.Str("prometheus.io/path") is null or "/metrics", file, $"{what}: prometheus.io/path must be /metrics");
    }

    /// <summary>The ConfigMap and key a file path inside the container comes from, if any.</summary>
    private static (string? ConfigMap, string? Key) ConfigMapFile(string path, List<Dictionary<string, object?>> mounts, List<Dictionary<string, object?>> volumes)
    {
        foreach (var mount in mounts)
        {
            string? dir = mount.Str("mountPath")?.TrimEnd('/');
            if (dir is null || !path.StartsWith(dir + "/", StringComparison.Ordinal)) continue;
            var volume = volumes.FirstOrDefault(v => v.Str("name") == mount.Str("name"));
            if (volume?.At("configMap", "name") is string configMap) return (configMap, path[(dir.Length + 1)..]);
        }
        return (null, null);
    }
}
