namespace ReId.Deploy.Tests;

/// <summary>
/// A throw-away copy of the files the deployment checks read, for tests that break one on purpose.
/// Large files (models, footage) are copied as empty files of the same name: the checks only look at
/// names. Deleted on dispose.
/// </summary>
public sealed class ScratchRepo : IDisposable
{
    private static readonly string[] Files =
    [
        RepoTree.SolutionFile, DeployPaths.Dockerfile, DeployPaths.DockerIgnore,
        "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props",
        "src/ReIdWorker/ReIdWorker.csproj", DeployPaths.DefaultModelSource,
    ];

    private static readonly string[] Trees = ["deploy", "build"];

    public RepoTree Repo { get; }

    public ScratchRepo(RepoTree source)
    {
        string root = Path.Combine(Path.GetTempPath(), "reid-deploy-" + Guid.NewGuid().ToString("N")[..8]);
        Repo = new RepoTree(root);
        foreach (var file in Files.Where(source.Exists)) Copy(source.PathOf(file), Repo.PathOf(file));
        foreach (var tree in Trees.Where(source.Exists))
            foreach (var file in Directory.GetFiles(source.PathOf(tree), "*", SearchOption.AllDirectories))
                Copy(file, Repo.PathOf(source.Relative(file)));
        foreach (var dir in new[] { "src", DeployPaths.Models, ".samples" }) Directory.CreateDirectory(Repo.PathOf(dir));
        foreach (var model in Directory.GetFiles(source.PathOf(DeployPaths.Models)))
            File.WriteAllBytes(Repo.PathOf($"{DeployPaths.Models}/{Path.GetFileName(model)}"), []);
        if (source.Exists(".samples/vtest.avi")) File.WriteAllBytes(Repo.PathOf(".samples/vtest.avi"), []);
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }

    /// <summary>Rewrites a file, failing the test if the text to replace is not there (so a test
    /// cannot pass because its edit silently did nothing).</summary>
    public void Edit(string relative, string find, string replace)
    {
        string text = Repo.Read(relative);
        Assert.True(text.Contains(find, StringComparison.Ordinal), $"{relative} does not contain '{find}': update the test");
        File.WriteAllText(Repo.PathOf(relative), text.Replace(find, replace, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try { Directory.Delete(Repo.Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
