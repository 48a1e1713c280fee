namespace ReId.Deploy.Tests;

/// <summary>Where the deployment files live and the fixed points they must agree on.</summary>
public static class DeployPaths
{
    public const string Dockerfile = "Dockerfile";
    public const string DockerIgnore = ".dockerignore";
    public const string Compose = "deploy/docker-compose.yml";
    public const string ComposeGpu = "deploy/docker-compose.gpu.yml";
    public const string ComposeConfig = "deploy/config/appsettings.json";
    public const string CamerasExample = "deploy/config/cameras.example.json";
    public const string Kubernetes = "deploy/k8s";
    public const string Kustomization = "deploy/k8s/kustomization.yaml";
    public const string Models = "models";
    public const string DefaultModelSource = "src/ReIdWorker/Cli/DefaultModel.cs";
    public const string WorkerDefaults = "src/ReIdWorker/appsettings.json";

    public const string HealthLive = "/health/live";
    public const string HealthReady = "/health/ready";

    /// <summary>Image flavors the Dockerfile documents (--build-arg FLAVOR=...).</summary>
    public static readonly string[] Flavors = ["gpu", "cpu"];

    /// <summary>Contract defaults, used where a file leaves a key to the worker.</summary>
    public const int DefaultHttpPort = 9400;
    public const int DefaultShutdownTimeoutSeconds = 25;
}
