using ReId.TestSupport;

namespace ReId.Vision.Tests;

/// <summary>
/// A fact that needs the sample footage and Debian's ffmpeg; reported as skipped, with the reason and
/// the fix, where either is missing (scripts/setup.sh installs both).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LiveFactAttribute : FactAttribute
{
    public LiveFactAttribute()
    {
        Skip = Requirements.MissingReason;
    }
}

internal static class Requirements
{
    public static string? MissingReason { get; } = Check();

    private static string? Check()
    {
        try { _ = SampleFootage.VtestAvi; }
        catch (FileNotFoundException ex) { return ex.Message; }
        bool ffmpeg = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "ffmpeg")));
        return ffmpeg ? null : "ffmpeg is not installed (apt-get install ffmpeg, or run scripts/setup.sh)";
    }
}

/// <summary>Tests that start ffmpeg servers run one at a time: ports, CPU and timing stay predictable on a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FfmpegCollection
{
    public const string Name = "ffmpeg servers";
}
