using Microsoft.Extensions.Configuration;
using ReIdWorker.Live;

namespace ReId.Deploy.Tests;

/// <summary>
/// The deployment configurations, layered as the worker layers them (its appsettings.json, the
/// mounted file, the REID__ variables the deployment sets, the pod's HOSTNAME), pass the worker's own
/// validation, and the StatefulSet's pods split the camera list between them.
/// </summary>
public class WorkerConfigurationTests
{
    private static readonly RepoTree Repo = RepoTree.Current;

    /// <summary>Where /etc/reid (the mounted config) comes from in the repository, per deployment.</summary>
    private static IConfiguration Layered(string configFile, IEnumerable<KeyValuePair<string, string?>> environment, string mountedConfigDir)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var (name, value) in environment)
            if (ConfigContract.KeyOfEnvironmentVariable(name) is { } key) settings[key] = value;
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Repo.PathOf(DeployPaths.WorkerDefaults), optional: false)
            .AddJsonFile(Repo.PathOf(configFile), optional: false)
            .AddInMemoryCollection(settings)
            .Build();
        // The container sees the ConfigMap at /etc/reid; here the same files are in the repository.
        if (configuration["Reid:CamerasFile"] is { } cameras && cameras.StartsWith("/etc/reid/", StringComparison.Ordinal))
            configuration["Reid:CamerasFile"] = Path.Combine(Repo.PathOf(mountedConfigDir), cameras["/etc/reid/".Length..]);
        return configuration;
    }

    private static (Dictionary<string, object?> StatefulSet, List<KeyValuePair<string, string?>> Env) StatefulSet(params string[] patches)
    {
        var sts = Yaml.LoadMapping(Repo.PathOf($"{DeployPaths.Kubernetes}/statefulset.yaml"));
        var env = sts.At("spec", "template", "spec").List("containers").Maps().Single().List("env").Maps()
            .Select(e => new KeyValuePair<string, string?>(e.Str("name")!, e.Str("value"))).ToList();
        foreach (var patch in patches)
        {
            var patched = Yaml.LoadMapping(Repo.PathOf($"{DeployPaths.Kubernetes}/{patch}"));
            foreach (var e in patched.At("spec", "template", "spec").List("containers").Maps().Single().List("env").Maps())
            {
                env.RemoveAll(kv => kv.Key == e.Str("name"));
                env.Add(new(e.Str("name")!, e.Str("value")));
            }
        }
        return (sts, env);
    }

    [Fact]
    public void The_compose_worker_configuration_is_valid_and_runs_both_demo_cameras()
    {
        var compose = Yaml.LoadMapping(Repo.PathOf(DeployPaths.Compose));
        var env = ComposeChecks.Environment(compose.Map("services")!["reid"]);
        // A compose container's HOSTNAME is its id: no ordinal, so the file fixes the shard.
        var (options, problems) = RunConfiguration.Load(Layered(DeployPaths.ComposeConfig, env, "deploy/config"),
            new Dictionary<string, string?> { ["HOSTNAME"] = "3f2a9c1b7d4e" });
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal(["entrance", "lobby"], RunConfiguration.CamerasOfShard(options).Select(c => c.Id));
        Assert.Equal("kafka:9092", options.Events.Kafka.BootstrapServers);
    }

    [Fact]
    public void The_gpu_override_keeps_the_compose_configuration_valid()
    {
        var env = ComposeChecks.Environment(Yaml.LoadMapping(Repo.PathOf(DeployPaths.Compose)).Map("services")!["reid"])
            .Where(kv => kv.Key != "REID__Device")
            .Concat(ComposeChecks.Environment(Yaml.LoadMapping(Repo.PathOf(DeployPaths.ComposeGpu)).Map("services")!["reid"]));
        var (options, problems) = RunConfiguration.Load(Layered(DeployPaths.ComposeConfig, env, "deploy/config"),
            new Dictionary<string, string?> { ["HOSTNAME"] = "3f2a9c1b7d4e" });
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal("cuda", options.Device);
    }

    [Fact]
    public void Every_statefulset_pod_is_valid_and_the_pods_split_the_cameras_exactly_once()
    {
        var (sts, env) = StatefulSet();
        int replicas = int.Parse((string)sts.At("spec", "replicas")!, System.Globalization.CultureInfo.InvariantCulture);
        var assigned = new List<string>();
        List<string>? all = null;
        for (int ordinal = 0; ordinal < replicas; ordinal++)
        {
            var (options, problems) = RunConfiguration.Load(Layered($"{DeployPaths.Kubernetes}/appsettings.json", env, DeployPaths.Kubernetes),
                new Dictionary<string, string?> { ["HOSTNAME"] = $"reid-{ordinal}" });
            Assert.True(problems.Count == 0, $"pod reid-{ordinal}: " + string.Join(Environment.NewLine, problems));
            Assert.Equal(ordinal, options.Shard.Index);
            Assert.Equal($"reid-{ordinal}", options.WorkerId);
            Assert.Equal("qdrant", options.Gallery.Kind); // identities are global only with a shared gallery
            all ??= options.Cameras.Select(c => c.Id!).ToList();
            assigned.AddRange(RunConfiguration.CamerasOfShard(options).Select(c => c.Id!));
        }
        Assert.NotNull(all);
        Assert.True(all.Count >= replicas, $"{all.Count} cameras for {replicas} pods: some pods would idle");
        Assert.Equal(all.Order(), assigned.Order());
    }

    [Fact]
    public void A_pod_beyond_the_shard_count_refuses_to_start()
    {
        // What `kubectl scale` without changing REID__Shard__Count produces.
        var (sts, env) = StatefulSet();
        int replicas = int.Parse((string)sts.At("spec", "replicas")!, System.Globalization.CultureInfo.InvariantCulture);
        var (_, problems) = RunConfiguration.Load(Layered($"{DeployPaths.Kubernetes}/appsettings.json", env, DeployPaths.Kubernetes),
            new Dictionary<string, string?> { ["HOSTNAME"] = $"reid-{replicas}" });
        Assert.Contains(problems, p => p.Contains("Reid:Shard:Index", StringComparison.Ordinal));
    }

    [Fact]
    public void The_gpu_patch_keeps_the_pods_valid()
    {
        var (_, env) = StatefulSet("gpu-patch.yaml");
        var (options, problems) = RunConfiguration.Load(Layered($"{DeployPaths.Kubernetes}/appsettings.json", env, DeployPaths.Kubernetes),
            new Dictionary<string, string?> { ["HOSTNAME"] = "reid-0" });
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal("cuda", options.Device);
    }
}
