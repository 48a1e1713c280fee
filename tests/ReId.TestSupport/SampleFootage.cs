namespace ReId.TestSupport;

/// <summary>
/// Locates the real footage tests run on: vtest.avi (PETS 2009 S2L1 View 001) that
/// scripts/setup.sh extracts from Debian's opencv-doc package into .samples/.
/// </summary>
public static class SampleFootage
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string VtestAvi
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("REID_SAMPLE_VIDEO");
            string path = !string.IsNullOrEmpty(env) ? env : Path.Combine(RepoRoot, ".samples", "vtest.avi");
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"sample footage '{path}' is missing; run scripts/setup.sh (or set REID_SAMPLE_VIDEO)");
            return path;
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ReIdWorker.sln")))
                return dir.FullName;
        throw new InvalidOperationException("cannot find ReIdWorker.sln above " + AppContext.BaseDirectory);
    }
}
