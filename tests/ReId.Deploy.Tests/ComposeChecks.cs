using System.Globalization;
using System.Text.RegularExpressions;

namespace ReId.Deploy.Tests;

/// <summary>Checks deploy/docker-compose.yml (and the GPU override) against the repository, the
/// image and the worker configuration it mounts.</summary>
public static partial class ComposeChecks
{
    private static readonly string[] Conditions = ["service_started", "service_healthy", "service_completed_successfully"];

    public static Problems Check(RepoTree repo)
    {
        var problems = new Problems();
        const string file = DeployPaths.Compose;
        problems.Guard(file, () =>
        {
            if (!repo.Exists(file)) throw new DeployFileException("is missing");
            var compose = Yaml.LoadMapping(repo.PathOf(file));
            var services = compose.Map("services") ?? throw new DeployFileException("has no services");
            var dockerfile = ImageChecks.Parse(repo);
            var image = ImageChecks.Facts(repo);
            string composeDir = Path.GetDirectoryName(repo.PathOf(file))!;
            var namedVolumes = compose.Map("volumes")?.Keys.ToHashSet() ?? [];

            foreach (var (name, node) in services)
            {
                string at = $"services.{name}";
                CheckBuild(repo, file, at, node, composeDir, dockerfile, problems);
                CheckMounts(repo, file, at, node, composeDir, namedVolumes, problems);
                CheckDependsOn(file, at, node, services, problems);
            }

            var workers = services.Where(s => BuildsRepoDockerfile(repo, s.Value, composeDir)).ToList();
            problems.Check(workers.Count > 0, file, $"no service builds the repository's {DeployPaths.Dockerfile}: add the worker service");
            foreach (var (name, node) in workers)
                CheckWorker(repo, file, $"services.{name}", node, services, composeDir, image, problems);
        });

        problems.Guard(DeployPaths.ComposeGpu, () => CheckGpuOverride(repo, problems));
        return problems;
    }

    private static bool BuildsRepoDockerfile(RepoTree repo, object? service, string composeDir)
    {
        var build = service.Map("build");
        if (build?.Str("context") is not { } context) return false;
        string dir = Path.GetFullPath(Path.Combine(composeDir, context));
        return dir.TrimEnd(Path.DirectorySeparatorChar) == repo.Root.TrimEnd(Path.DirectorySeparatorChar)
               && (build.Str("dockerfile") ?? "Dockerfile") == DeployPaths.Dockerfile;
    }

    private static void CheckBuild(RepoTree repo, string file, string at, object? service, string composeDir, Dockerfile dockerfile, Problems problems)
    {
        var build = service.Map("build");
        if (build is null) return;
        string context = build.Str("context") ?? ".";
        string dir = Path.GetFullPath(Path.Combine(composeDir, context));
        if (!Directory.Exists(dir)) { problems.Add(file, $"{at}.build.context {context} does not exist (relative to {Path.GetDirectoryName(file)}): fix the path"); return; }
        string dockerfilePath = Path.Combine(dir, build.Str("dockerfile") ?? "Dockerfile");
        problems.Check(File.Exists(dockerfilePath), file, $"{at}.build.dockerfile {repo.Relative(dockerfilePath)} does not exist: fix the path");
        if (!BuildsRepoDockerfile(repo, service, composeDir)) return;
        var declared = dockerfile.GlobalArgs.Keys.Concat(dockerfile.Stages.SelectMany(s => s.Args.Keys)).ToHashSet();
        foreach (var (arg, value) in build.Map("args") ?? [])
        {
            problems.Check(declared.Contains(arg), file, $"{at}.build.args.{arg} is no ARG of the Dockerfile: it would be ignored");
            if (arg == "FLAVOR")
                problems.Check(DeployPaths.Flavors.Contains(value as string), file, $"{at}.build.args.FLAVOR is '{value}': use one of {string.Join(", ", DeployPaths.Flavors)}");
        }
    }

    private static void CheckMounts(RepoTree repo, string file, string at, object? service, string composeDir, ISet<string> namedVolumes, Problems problems)
    {
        foreach (var (source, _, _) in Mounts(service))
        {
            if (IsBindSource(source))
            {
                string path = Path.GetFullPath(Path.Combine(composeDir, source));
                string hint = path.Contains(".samples", StringComparison.Ordinal) ? " (run scripts/setup.sh: it fetches the sample footage)" : ": fix the path or add the file";
                problems.Check(File.Exists(path) || Directory.Exists(path), file, $"{at} mounts {source}, which does not exist{hint}");
            }
            else
            {
                problems.Check(namedVolumes.Contains(source), file, $"{at} mounts volume '{source}', which the top-level volumes section does not declare");
            }
        }
    }

    private static void CheckDependsOn(string file, string at, object? service, Dictionary<string, object?> services, Problems problems)
    {
        var dependsOn = service.At("depends_on");
        if (dependsOn is List<object?>) { problems.Add(file, $"{at}.depends_on lists services without conditions: use the long form with condition: service_healthy (or service_started / service_completed_successfully)"); return; }
        foreach (var (other, spec) in dependsOn as Dictionary<string, object?> ?? [])
        {
            if (!services.TryGetValue(other, out var target)) { problems.Add(file, $"{at}.depends_on names {other}, which is no service"); continue; }
            string? condition = spec.Str("condition");
            problems.Check(Conditions.Contains(condition), file, $"{at}.depends_on.{other}.condition is '{condition}': use one of {string.Join(", ", Conditions)}");
            if (condition == "service_healthy")
                problems.Check(target.Map("healthcheck") is not null, file, $"{at} waits for {other} to be healthy, but {other} has no healthcheck: add one");
        }
    }

    private static void CheckWorker(RepoTree repo, string file, string at, object? service, Dictionary<string, object?> services, string composeDir, ImageFacts image, Problems problems)
    {
        var environment = Environment(service);
        EnvironmentChecks.CheckNames(file, at, environment.Select(e => e.Key), problems);

        var mounts = Mounts(service).ToList();
        var command = service.List("command").OfType<string>().ToList();
        int configAt = command.IndexOf("--config");
        WorkerConfig? config = null;
        if (configAt < 0 || configAt + 1 >= command.Count)
        {
            problems.Add(file, $"{at}.command has no --config FILE: the worker would run on its built-in defaults");
        }
        else
        {
            string target = command[configAt + 1];
            var mount = mounts.FirstOrDefault(m => m.Target == target);
            if (mount.Source is null) problems.Add(file, $"{at} runs with --config {target}, but nothing is mounted there: mount the configuration file");
            else if (IsBindSource(mount.Source) && File.Exists(Path.Combine(composeDir, mount.Source)))
                config = WorkerConfig.Load(repo, repo.Relative(Path.GetFullPath(Path.Combine(composeDir, mount.Source))), environment);
        }
        if (config is null) return;

        // Ports: the image EXPOSEs, the config listens, compose publishes and probes the same one.
        int port = config.HttpPort;
        problems.Check(image.ExposedPorts.Contains(port), file, $"{config.File} sets Reid:Http:Port {port} but the image EXPOSEs {string.Join(", ", image.ExposedPorts)}: make them agree");
        var published = service.List("ports").OfType<string>().Select(ContainerPort).ToList();
        problems.Check(published.Contains(port), file, $"{at}.ports does not publish container port {port} (Reid:Http:Port): /metrics and health would be unreachable");
        var probe = HealthUrl(service);
        if (probe is null) problems.Add(file, $"{at} has no healthcheck probing http://127.0.0.1:{port}{DeployPaths.HealthLive}");
        else
        {
            problems.Check(probe.Port == port, file, $"{at}.healthcheck probes port {probe.Port}, the worker listens on {port} (Reid:Http:Port)");
            problems.Check(probe.AbsolutePath == DeployPaths.HealthLive, file, $"{at}.healthcheck probes {probe.AbsolutePath}: use {DeployPaths.HealthLive}");
        }

        // Graceful stop: Docker's SIGKILL must come after the worker's own shutdown timeout.
        var grace = Duration(service.Str("stop_grace_period")) ?? TimeSpan.FromSeconds(10);
        problems.Check(grace.TotalSeconds > config.ShutdownTimeoutSeconds, file,
            $"{at}.stop_grace_period is {grace.TotalSeconds} s, not more than Reid:ShutdownTimeoutSeconds ({config.ShutdownTimeoutSeconds} s): Docker would kill the worker mid-flush");

        // State on a named volume at the image's VOLUME.
        foreach (var volume in image.Volumes)
            problems.Check(mounts.Any(m => m.Target.TrimEnd('/') == volume && !IsBindSource(m.Source)), file,
                $"{at} mounts no named volume at {volume}: the outbox and gallery would be lost with the container");

        if (config.CamerasFile is { } camerasFile)
            problems.Check(mounts.Any(m => camerasFile == m.Target || camerasFile.StartsWith(m.Target.TrimEnd('/') + "/", StringComparison.Ordinal)), file,
                $"{config.File} sets Reid:CamerasFile {camerasFile}, which is not mounted into {at}: mount it");

        // Cameras served by another compose service must name one of its streams.
        foreach (var (id, source) in config.Cameras)
        {
            if (!Uri.TryCreate(source, UriKind.Absolute, out var uri) || uri.Scheme is not ("rtsp" or "http" or "tcp")) continue;
            if (!services.TryGetValue(uri.Host, out var server)) continue;
            var mediamtx = Mounts(server).FirstOrDefault(m => m.Target == "/mediamtx.yml");
            if (mediamtx.Source is null) continue;
            string mediamtxFile = repo.Relative(Path.GetFullPath(Path.Combine(composeDir, mediamtx.Source)));
            if (!repo.Exists(mediamtxFile)) continue;
            var paths = Yaml.LoadMapping(repo.PathOf(mediamtxFile)).Map("paths")?.Keys.ToList() ?? [];
            problems.Check(paths.Contains(uri.AbsolutePath.Trim('/')), file,
                $"camera {id} reads {source}, but {mediamtxFile} serves no path '{uri.AbsolutePath.Trim('/')}' (it has: {string.Join(", ", paths)})");
            int serverPort = uri.Port;
            problems.Check(MediaMtxPort(repo.PathOf(mediamtxFile)) == serverPort, file,
                $"camera {id} reads port {serverPort}, but {mediamtxFile} listens on RTSP port {MediaMtxPort(repo.PathOf(mediamtxFile))}");
        }
    }

    private static void CheckGpuOverride(RepoTree repo, Problems problems)
    {
        const string file = DeployPaths.ComposeGpu;
        if (!repo.Exists(file)) throw new DeployFileException("is missing: it is the documented way to run the worker on a GPU");
        var gpu = Yaml.LoadMapping(repo.PathOf(file));
        var baseServices = repo.Exists(DeployPaths.Compose) ? Yaml.LoadMapping(repo.PathOf(DeployPaths.Compose)).Map("services") ?? [] : [];
        foreach (var (name, node) in gpu.Map("services") ?? [])
        {
            string at = $"services.{name}";
            problems.Check(baseServices.ContainsKey(name), file, $"{at} overrides a service that {DeployPaths.Compose} does not define");
            EnvironmentChecks.CheckNames(file, at, Environment(node).Select(e => e.Key), problems);
            if (node.At("build", "args", "FLAVOR") is string flavor)
                problems.Check(flavor == "gpu", file, $"{at}.build.args.FLAVOR is '{flavor}': the GPU override must build the gpu flavor");
            var devices = node.At("deploy", "resources", "reservations", "devices") as List<object?> ?? [];
            problems.Check(devices.Maps().Any(d => d.Str("driver") == "nvidia"), file, $"{at} reserves no nvidia device: the container would see no GPU");
        }
    }

    /// <summary>Short-syntax volumes "source:target[:mode]" and long-syntax ones.</summary>
    internal static IEnumerable<(string Source, string Target, bool ReadOnly)> Mounts(object? service)
    {
        foreach (var entry in service.List("volumes"))
        {
            if (entry is string s)
            {
                var parts = s.Split(':');
                if (parts.Length >= 2) yield return (parts[0], parts[1], parts.Length > 2 && parts[2].Contains("ro", StringComparison.Ordinal));
            }
            else if (entry is Dictionary<string, object?> m && m.Str("source") is { } src && m.Str("target") is { } dst)
            {
                yield return (src, dst, m.Str("read_only") == "true");
            }
        }
    }

    private static bool IsBindSource(string source) => source.StartsWith('.') || source.StartsWith('/') || source.StartsWith('~');

    internal static List<KeyValuePair<string, string?>> Environment(object? service)
    {
        var env = service.At("environment");
        if (env is Dictionary<string, object?> map) return map.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value as string)).ToList();
        return (env as List<object?> ?? []).OfType<string>()
            .Select(s => s.Split('=', 2))
            .Select(p => new KeyValuePair<string, string?>(p[0], p.Length > 1 ? p[1] : null))
            .ToList();
    }

    private static Uri? HealthUrl(object? service)
    {
        var test = service.At("healthcheck", "test");
        string text = test switch { List<object?> l => string.Join(' ', l.OfType<string>()), string s => s, _ => "" };
        return ImageChecks.UrlIn(text);
    }

    private static int ContainerPort(string mapping)
    {
        string container = mapping.Split('/')[0].Split(':')[^1];
        return int.TryParse(container, NumberStyles.Integer, CultureInfo.InvariantCulture, out int p) ? p : -1;
    }

    private static int MediaMtxPort(string path) =>
        Yaml.LoadMapping(path).Str("rtspAddress") is { } address && int.TryParse(address.Split(':')[^1], out int p) ? p : 8554;

    /// <summary>Compose durations: 1m30s, 35s, 500ms.</summary>
    internal static TimeSpan? Duration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var total = TimeSpan.Zero;
        var matches = DurationPart().Matches(text);
        if (matches.Sum(m => m.Length) != text.Trim().Length) return null;
        foreach (Match m in matches)
        {
            double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "ms" => TimeSpan.FromMilliseconds(n),
                "us" => TimeSpan.FromMicroseconds(n),
                _ => TimeSpan.FromSeconds(n),
            };
        }
        return total;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|us|m|s)")]
    private static partial Regex DurationPart();
}
