namespace ReId.Deploy.Tests;

/// <summary>
/// Each check catches the mistake it exists for: a scratch copy of the deployment files is broken
/// in one place and the check must name the problem. The untouched copy must pass, so the edit is
/// what the check reacts to.
/// </summary>
public class BrokenDeployFilesTests
{
    public enum Check { Image, Config, Compose, Kubernetes }

    private static Problems Run(Check check, RepoTree repo) => check switch
    {
        Check.Image => ImageChecks.Check(repo),
        Check.Config => ConfigChecks.Check(repo),
        Check.Compose => ComposeChecks.Check(repo),
        Check.Kubernetes => KubernetesChecks.Check(repo),
        _ => throw new ArgumentOutOfRangeException(nameof(check)),
    };

    [Fact]
    public void An_untouched_copy_passes_every_check()
    {
        using var scratch = new ScratchRepo(RepoTree.Current);
        foreach (var check in Enum.GetValues<Check>())
        {
            var problems = Run(check, scratch.Repo);
            Assert.True(problems.Lines.Count == 0, $"{check}: {problems}");
        }
    }

    [Theory]
    // Dockerfile and .dockerignore
    [InlineData(Check.Image, "Dockerfile", "COPY src/ src/", "COPY source/ src/", "source 'source/' (line")]
    [InlineData(Check.Image, "Dockerfile", "Directory.Build.props Directory.Build.targets Directory.Packages.props ./", "Directory.Build.props Directory.Packages.props ./", "does not COPY Directory.Build.targets")]
    [InlineData(Check.Image, "Dockerfile", "COPY build/ build/", "", "imports build/PatchLibTorchSharp.targets")]
    [InlineData(Check.Image, ".dockerignore", "deploy/\n", "deploy/\nbuild/\n", "'build/' (line")]
    [InlineData(Check.Image, ".dockerignore", "models/*.pt\n", "models/*.pt\nmodels/reid-resnet18-synth.onnx\n", "the default model: the image would ship without it")]
    [InlineData(Check.Image, "Dockerfile", "publish src/ReIdWorker/ReIdWorker.csproj", "publish src/ReIdWorker/Worker.csproj", "src/ReIdWorker/Worker.csproj (line")]
    [InlineData(Check.Image, "Dockerfile", "\"/app/reid.dll\"", "\"/app/worker.dll\"", "ENTRYPOINT must be [\"dotnet\", \"/app/reid.dll\"]")]
    [InlineData(Check.Image, "Dockerfile", "EXPOSE 9400", "EXPOSE 9500", "HEALTHCHECK probes port 9400 but the image EXPOSEs 9500")]
    [InlineData(Check.Image, "Dockerfile", "9400/health/live", "9400/health/ready", "HEALTHCHECK probes /health/ready")]
    [InlineData(Check.Image, "Dockerfile", "AS base-cpu", "AS base-small", "FLAVOR=cpu selects FROM base-cpu, which is no stage")]
    [InlineData(Check.Image, "Dockerfile", "USER ${APP_UID}", "USER app", "USER must be a numeric, non-root uid")]
    [InlineData(Check.Image, "Dockerfile", "COPY models/ /app/models/", "", "does not COPY models/ /app/models/")]
    // Example configurations
    [InlineData(Check.Config, "deploy/k8s/appsettings.json", "\"StallTimeoutSeconds\"", "\"StallTimeout\"", "unknown key Reid:Live:StallTimeout")]
    [InlineData(Check.Config, "deploy/config/appsettings.json", "\"JsonlPath\": null", "\"JsonPath\": null", "lacks Reid:Events:JsonlPath")]
    [InlineData(Check.Config, "deploy/config/appsettings.json", "/var/lib/reid/outbox", "/tmp/outbox", "outside the image's volume /var/lib/reid")]
    [InlineData(Check.Config, "deploy/config/cameras.example.json", "\"Id\": \"lobby\"", "\"Id\": \"entrance\"", "'entrance' is used twice")]
    [InlineData(Check.Config, "deploy/k8s/cameras.json", "\"Source\": \"rtsp://nvr.site.local:8554/hall-east\"", "\"Source\": \"\"", "Cameras:2:Source is empty")]
    [InlineData(Check.Config, "deploy/config/appsettings.json", "\"Port\": 9400 }", "\"Port\": 9400, }", "is not valid JSON")]
    // Docker Compose
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "./config/appsettings.json:", "./config/appsetings.json:", "mounts ./config/appsetings.json, which does not exist")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "context: ..", "context: ../nowhere", "build.context ../nowhere does not exist")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "\"9400:9400\"", "\"9400:9401\"", "does not publish container port 9400")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "stop_grace_period: 35s", "stop_grace_period: 20s", "stop_grace_period is 20 s")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "REID__Device: auto", "REID_Device: auto", "sets REID_Device: worker settings are REID__")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "REID__Detector: hog", "REID__Detectors: hog", "maps to Reid:Detectors, no key")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "condition: service_completed_successfully", "condition: service_done", "condition is 'service_done'")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "9400/health/live\"]", "9400/healthz\"]", "healthcheck probes /healthz")]
    [InlineData(Check.Compose, "deploy/config/appsettings.json", "rtsp://camera:8554/lobby", "rtsp://camera:8554/garage", "serves no path 'garage'")]
    [InlineData(Check.Compose, "deploy/docker-compose.gpu.yml", "REID__Device: cuda", "REID__Devices: cuda", "maps to Reid:Devices")]
    [InlineData(Check.Compose, "deploy/docker-compose.yml", "- reid-state:/var/lib/reid", "- reid-state:/var/lib/reid-data", "mounts no named volume at /var/lib/reid")]
    // Kubernetes
    [InlineData(Check.Kubernetes, "deploy/k8s/statefulset.yaml", "replicas: 3", "replicas: 4", "spec.replicas is 4 but REID__Shard__Count is 3")]
    [InlineData(Check.Kubernetes, "deploy/k8s/statefulset.yaml", "terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: 20", "terminationGracePeriodSeconds is 20")]
    [InlineData(Check.Kubernetes, "deploy/k8s/statefulset.yaml", "path: /health/ready", "path: /healthz", "readinessProbe probes /healthz")]
    [InlineData(Check.Kubernetes, "deploy/k8s/statefulset.yaml", "containerPort: 9400", "containerPort: 9401", "declares no containerPort 9400")]
    [InlineData(Check.Kubernetes, "deploy/k8s/statefulset.yaml", "runAsUser: 1654", "runAsUser: 1000", "runAsUser is 1000")]
    [InlineData(Check.Kubernetes, "deploy/k8s/statefulset.yaml", "mountPath: /var/lib/reid", "mountPath: /data", "mounted at /var/lib/reid")]
    [InlineData(Check.Kubernetes, "deploy/k8s/kustomization.yaml", "- service-metrics.yaml", "- service-metric.yaml", "lists resource service-metric.yaml")]
    [InlineData(Check.Kubernetes, "deploy/k8s/kustomization.yaml", "      - cameras.json", "      - camera.json", "takes camera.json, which does not exist")]
    [InlineData(Check.Kubernetes, "deploy/k8s/service-metrics.yaml", "prometheus.io/port: \"9400\"", "prometheus.io/port: \"9401\"", "prometheus.io/port is 9401")]
    [InlineData(Check.Kubernetes, "deploy/k8s/gpu-patch.yaml", "REID__Device", "REID__Devise", "maps to Reid:Devise")]
    [InlineData(Check.Kubernetes, "deploy/k8s/appsettings.json", "\"Port\": 9400", "\"Port\": 9500", "declares no containerPort 9500")]
    public void A_broken_file_is_named(Check check, string file, string find, string replace, string expected)
    {
        using var scratch = new ScratchRepo(RepoTree.Current);
        scratch.Edit(file, find, replace);
        var problems = Run(check, scratch.Repo);
        Assert.True(problems.Lines.Any(l => l.Contains(expected, StringComparison.Ordinal)),
            $"expected a problem containing '{expected}', got:{Environment.NewLine}{problems}");
    }

    [Fact]
    public void A_repository_without_a_model_is_caught()
    {
        using var scratch = new ScratchRepo(RepoTree.Current);
        foreach (var model in Directory.GetFiles(scratch.Repo.PathOf(DeployPaths.Models), "*.onnx")) File.Delete(model);
        var problems = ImageChecks.Check(scratch.Repo);
        Assert.Contains(problems.Lines, l => l.Contains("holds no .onnx model", StringComparison.Ordinal));
    }
}
