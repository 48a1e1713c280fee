using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ReId.TestSupport;

namespace ReId.Vision.Tests;

/// <summary>
/// A real stream server on 127.0.0.1: ffmpeg re-encodes the sample footage (MPEG-4 in MPEG-TS) in real
/// time (<c>-re</c>) and serves it to one client, over raw TCP (<c>tcp://...?listen=1</c>) or HTTP
/// (<c>-listen 1 http://...</c>), as a camera or restreamer would.
/// </summary>
public sealed class FfmpegServer : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stderr = [];

    public int Port { get; }
    public string Url { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    private FfmpegServer(int port, string url, IEnumerable<string> outputArgs, string input, bool loop)
    {
        Port = port;
        Url = url;
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        string[] args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-re"];
        foreach (string a in args) start.ArgumentList.Add(a);
        if (loop) { start.ArgumentList.Add("-stream_loop"); start.ArgumentList.Add("-1"); }
        foreach (string a in (string[])["-i", input, "-an", "-c:v", "mpeg4", "-q:v", "2", "-f", "mpegts"]) start.ArgumentList.Add(a);
        foreach (string a in outputArgs) start.ArgumentList.Add(a);
        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_stderr) _stderr.Add(line); };
        _process.Start();
        _process.BeginErrorReadLine();
    }

    /// <summary>Serves over raw TCP; the client URL is <c>tcp://127.0.0.1:PORT</c>.</summary>
    public static FfmpegServer Tcp(int? port = null, bool loop = true, string? input = null)
    {
        int p = port ?? FreePort();
        return new FfmpegServer(p, $"tcp://127.0.0.1:{p}", [$"tcp://127.0.0.1:{p}?listen=1"], input ?? SampleFootage.VtestAvi, loop);
    }

    /// <summary>Serves over HTTP; the client URL is <c>http://127.0.0.1:PORT/x.ts</c>.</summary>
    public static FfmpegServer Http(int? port = null, bool loop = true)
    {
        int p = port ?? FreePort();
        string url = $"http://127.0.0.1:{p}/x.ts";
        return new FfmpegServer(p, url, ["-listen", "1", url], SampleFootage.VtestAvi, loop);
    }

    /// <summary>Waits until the server listens, without connecting (a listen=1 server takes one client only).</summary>
    public async Task WaitUntilListeningAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!IsListening(Port))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the ffmpeg server for {Url} exited: {string.Join(" | ", Errors())}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the ffmpeg server for {Url} did not listen within the timeout");
            await Task.Delay(50);
        }
    }

    /// <summary>Freezes the server (SIGSTOP): its client connection stays open but no data flows, as with a hung camera.</summary>
    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    /// <summary>Kills the server, which closes its client's connection.</summary>
    public void Stop()
    {
        if (!_process.HasExited) _process.Kill(); // SIGKILL also ends a paused (SIGSTOPped) server
        _process.WaitForExit(5000);
    }

    public IReadOnlyList<string> Errors()
    {
        lock (_stderr) return _stderr.ToArray();
    }

    public void Dispose()
    {
        try { Stop(); }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, ProcessId.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when a socket listens on 127.0.0.1:port (or any address), read from /proc/net/tcp.</summary>
    private static bool IsListening(int port)
    {
        string hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (string line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 3 && f[1].EndsWith(":" + hexPort, StringComparison.Ordinal) && f[3] == "0A")
                return true;
        }
        return false;
    }
}
