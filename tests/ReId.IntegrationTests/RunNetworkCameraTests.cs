using System.Diagnostics;
using System.Globalization;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// A network camera served by a real ffmpeg on 127.0.0.1 that goes away, comes back and stalls, while
/// `reid run` watches it: the worker reconnects on its own and frames resume.
/// </summary>
public class RunNetworkCameraTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-netcam-").FullName;
    private readonly List<Process> _servers = [];

    public void Dispose()
    {
        foreach (var p in _servers)
        {
            try { if (!p.HasExited) { p.Kill(); p.WaitForExit(); } } catch (InvalidOperationException) { }
            p.Dispose();
        }
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The sample footage in real time on tcp://127.0.0.1:port, as a camera would send it (one client).</summary>
    private Process Serve(int port)
    {
        var start = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", SampleFootage.VtestAvi,
                     "-c", "copy", "-f", "nut", $"tcp://127.0.0.1:{port}?listen=1" })
            start.ArgumentList.Add(a);
        var p = Process.Start(start)!;
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        _servers.Add(p);
        return p;
    }

    private static void Signal(Process p, string signal)
    {
        using var kill = Process.Start("kill", [signal, p.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    [Fact]
    public async Task A_camera_that_stops_comes_back_and_stalls_is_reconnected_and_frames_resume()
    {
        int port = RunningReid.FreePort();
        var server = Serve(port);
        const string frames = "reid_frames_read_total{camera=\"door\"}";
        const string reconnects = "reid_source_reconnects_total{camera=\"door\"}";
        using var reid = RunningReid.Start(_dir, new Dictionary<string, object?>
        {
            ["Cameras"] = new[] { new Dictionary<string, object?> { ["Id"] = "door", ["Source"] = $"tcp://127.0.0.1:{port}" } },
            ["Events"] = new Dictionary<string, object?> { ["JsonlPath"] = Path.Combine(_dir, "events.jsonl") },
            ["Gallery"] = new Dictionary<string, object?> { ["Path"] = Path.Combine(_dir, "gallery.bin") },
            ["Live"] = new Dictionary<string, object?> { ["StallTimeoutSeconds"] = 2, ["ReconnectMaxDelaySeconds"] = 1 },
        });
        await reid.WaitReadyAsync(TimeSpan.FromSeconds(60));
        double before = await reid.WaitMetricAsync(frames, v => v >= 10, TimeSpan.FromSeconds(30));

        // The camera goes away: the worker notices, keeps trying, and is no longer ready.
        server.Kill();
        await server.WaitForExitAsync();
        await reid.WaitMetricAsync("reid_source_connected{camera=\"door\"}", v => v == 0, TimeSpan.FromSeconds(30));
        double reconnectsWhileDown = await reid.WaitMetricAsync(reconnects, v => v >= 1, TimeSpan.FromSeconds(30));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await reid.GetAsync("/health/ready")).Status);

        // It comes back on the same address: frames resume without any help.
        server = Serve(port);
        double resumed = await reid.WaitMetricAsync(frames, v => v >= before + 10, TimeSpan.FromSeconds(40));
        await reid.WaitReadyAsync(TimeSpan.FromSeconds(20));

        // It stalls (the connection stays open, no data): the stall timeout reconnects.
        Signal(server, "-STOP");
        await reid.WaitMetricAsync(reconnects, v => v > reconnectsWhileDown, TimeSpan.FromSeconds(30));
        Signal(server, "-KILL");
        await server.WaitForExitAsync();
        Serve(port);
        await reid.WaitMetricAsync(frames, v => v >= resumed + 10, TimeSpan.FromSeconds(40));

        int exit = reid.Terminate(TimeSpan.FromSeconds(40));
        Assert.True(exit == 0, $"exit {exit}:\n{reid.Output}");
    }
}
