using System.Diagnostics;

namespace ReId.IntegrationTests;

/// <summary>The result of running the reid executable as a user would.</summary>
public sealed record ReidResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
}

/// <summary>
/// Runs the built <c>reid</c> executable in its own process, so tests cover argument parsing,
/// exit codes and the messages users see, not just the classes behind them.
/// </summary>
public static class ReidProcess
{
    /// <summary>
    /// reid.dll in its own build output (same configuration as the tests), where its deps.json and
    /// runtimeconfig describe exactly its dependencies; the copy in the test folder runs with the
    /// test host's assembly versions instead.
    /// </summary>
    public static string Dll
    {
        get
        {
            string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            string dll = Path.Combine(ReId.TestSupport.SampleFootage.RepoRoot, "src", "ReIdWorker", "bin", config, "net10.0", "linux-x64", "reid.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is not built; build the solution first");
        }
    }

    public static ReidResult Run(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"reid {string.Join(' ', args)} did not finish within {timeout}");
        }
        return new ReidResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
