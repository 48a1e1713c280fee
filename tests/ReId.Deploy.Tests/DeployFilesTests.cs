namespace ReId.Deploy.Tests;

/// <summary>The deployment files of this checkout are consistent with the repository and with
/// each other.</summary>
public class DeployFilesTests
{
    private static readonly RepoTree Repo = RepoTree.Current;

    [Fact]
    public void Dockerfile_builds_from_what_the_repository_holds()
    {
        var problems = ImageChecks.Check(Repo);
        Assert.True(problems.Lines.Count == 0, problems.ToString());
    }

    [Fact]
    public void Example_configurations_use_only_contract_keys()
    {
        var problems = ConfigChecks.Check(Repo);
        Assert.True(problems.Lines.Count == 0, problems.ToString());
    }

    [Fact]
    public void Compose_files_agree_with_the_image_and_the_configuration()
    {
        var problems = ComposeChecks.Check(Repo);
        Assert.True(problems.Lines.Count == 0, problems.ToString());
    }

    [Fact]
    public void Kubernetes_manifests_agree_with_the_image_and_the_configuration()
    {
        var problems = KubernetesChecks.Check(Repo);
        Assert.True(problems.Lines.Count == 0, problems.ToString());
    }

    [Fact]
    public void Every_yaml_and_json_file_under_deploy_parses()
    {
        var files = Directory.GetFiles(Repo.PathOf("deploy"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count >= 10, $"expected the compose, k8s and config files under deploy/, found {files.Count}");
        foreach (var file in files)
        {
            if (file.EndsWith(".json", StringComparison.Ordinal)) ConfigContract.LoadJson(file).Dispose();
            else Assert.NotEmpty(Yaml.LoadAll(file));
        }
    }

    [Fact]
    public void The_image_facts_are_the_ones_the_deployment_relies_on()
    {
        // Read from the Dockerfile, not assumed: these are the values compose and k8s are checked against.
        var image = ImageChecks.Facts(Repo);
        Assert.Equal([9400], image.ExposedPorts);
        Assert.Equal(new Uri("http://127.0.0.1:9400/health/live"), image.HealthCheckUrl);
        Assert.Equal("1654", image.User);
        Assert.Equal(["/var/lib/reid"], image.Volumes);
    }

    [Fact]
    public void The_contract_list_is_exactly_the_compose_examples_keys()
    {
        using var doc = ConfigContract.LoadJson(Repo.PathOf(DeployPaths.ComposeConfig));
        var example = ConfigContract.Flatten(doc).Keys
            .Select(k => string.Join(':', k.Split(':').Select(p => p.All(char.IsAsciiDigit) ? "*" : p)))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.True(example.SetEquals(ConfigContract.Keys),
            "differs: " + string.Join(", ", example.Except(ConfigContract.Keys, StringComparer.OrdinalIgnoreCase).Concat(ConfigContract.Keys.Except(example, StringComparer.OrdinalIgnoreCase))));
    }
}
