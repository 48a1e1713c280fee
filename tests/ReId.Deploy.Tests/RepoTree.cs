namespace ReId.Deploy.Tests;

/// <summary>A repository checkout the deployment checks read: the real one, or a scratch copy a
/// test breaks on purpose.</summary>
public sealed record RepoTree(string Root)
{
    public const string SolutionFile = "ReIdWorker.sln";

    /// <summary>The checkout this test assembly was built from: the first directory above the
    /// test's base directory holding ReIdWorker.sln.</summary>
    public static RepoTree Current { get; } = FindFrom(AppContext.BaseDirectory);

    public static RepoTree FindFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile))) return new RepoTree(dir.FullName);
        throw new InvalidOperationException($"cannot find {SolutionFile} above {start}: run the tests from inside the repository");
    }

    /// <summary>Absolute path of a repository-relative path ('/' separated).</summary>
    public string PathOf(string relative) => Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    public bool Exists(string relative) => File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));

    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>Repository-relative form of an absolute path, '/' separated.</summary>
    public string Relative(string absolute) => Path.GetRelativePath(Root, absolute).Replace(Path.DirectorySeparatorChar, '/');
}
