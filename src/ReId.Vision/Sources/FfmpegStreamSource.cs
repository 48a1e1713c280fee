using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace ReId.Vision.Sources;

/// <summary>
/// A network stream (rtsp, http, tcp, srt, udp...) decoded by Debian's <c>ffmpeg</c> running as a
/// subprocess that writes raw BGR24 frames to its stdout. OpenCvSharp's bundled FFmpeg has no network
/// protocols (ENVIRONMENT.md), and a subprocess also isolates decoder crashes from the worker.
/// Timestamps are wall-clock. Reconnecting is not done here: <see cref="Read"/> returns null when the
/// peer is gone and <see cref="LiveSource"/> opens a new one.
/// </summary>
public sealed partial class FfmpegStreamSource : IFrameSource
{
    /// <summary>Lines of ffmpeg's stderr kept for error messages.</summary>
    private const int KeptErrorLines = 20;

    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly int _frameBytes;
    private readonly Queue<string> _stderrTail = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<FrameSourceInfo?> _header = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _number;
    private bool _disposed;

    public string CameraId { get; }
    public string Source { get; }
    public FrameSourceInfo Info { get; }

    /// <summary>The process id of the decoding ffmpeg (for diagnostics and tests).</summary>
    public int ProcessId { get; }

    /// <summary>Opens <paramref name="url"/> and waits until ffmpeg has decoded the stream's header.</summary>
    /// <param name="timeout">Network I/O timeout handed to ffmpeg: a peer silent for this long ends the
    /// stream. Default 10 s.</param>
    /// <param name="ffmpegPath">The ffmpeg executable; default <c>ffmpeg</c> on the PATH.</param>
    /// <param name="openTimeout">Longest wait for ffmpeg to describe the decoded stream. Probing a live
    /// stream consumes real-time data (about 1.6 s to the first frame for MPEG-TS at 10 fps here) while
    /// data keeps flowing, so this is a safety net, not the I/O timeout. Default: the larger of 30 s
    /// and <paramref name="timeout"/>.</param>
    public FfmpegStreamSource(string url, string cameraId, TimeSpan? timeout = null, string ffmpegPath = "ffmpeg", TimeSpan? openTimeout = null)
    {
        TimeSpan io = timeout ?? TimeSpan.FromSeconds(10);
        if (io <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), io, "the stream timeout must be positive");
        TimeSpan wait = openTimeout ?? (io > TimeSpan.FromSeconds(30) ? io : TimeSpan.FromSeconds(30));
        CameraId = cameraId;
        Source = url;
        string shown = FrameSources.Redact(url);

        var start = new ProcessStartInfo(ffmpegPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string arg in Arguments(url, io)) start.ArgumentList.Add(arg);

        var process = new Process { StartInfo = start };
        // Stderr is read for the whole life of the process: an unread pipe would fill up and stall
        // ffmpeg, and its last lines are what explains a failure.
        process.ErrorDataReceived += (_, e) => OnStderrLine(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new FrameSourceException(
                $"cannot open '{shown}': ffmpeg ('{ffmpegPath}') is not installed or cannot run; network cameras need it: apt-get install ffmpeg", ex);
        }
        _process = process;
        ProcessId = process.Id;
        _stdout = process.StandardOutput.BaseStream;
        process.BeginErrorReadLine();

        // One connection only: a tcp/http server started with listen=1 accepts a single client, so the
        // frame size comes from ffmpeg's own description of its output stream, not from a probe.
        FrameSourceInfo? info = null;
        bool answered = _header.Task.Wait(wait);
        if (answered) info = _header.Task.Result;
        if (info is null)
        {
            Kill();
            string? error = LastErrorLine();
            string why = answered
                ? error ?? LastLine() ?? "ffmpeg ended without a video stream"
                : $"no video within {wait.TotalSeconds:0.#} s" + (error is null ? "" : $" ({error})");
            process.Dispose();
            throw new FrameSourceException(
                $"cannot open stream '{shown}': {why}; check the URL, that the camera or server is up and reachable, and that it sends video");
        }
        Info = info;
        _frameBytes = checked(info.Width * info.Height * 3);
    }

    /// <summary>The last line ffmpeg wrote that reads like an error (e.g. "Connection refused",
    /// "Server returned 404 Not Found"), or null; for messages.</summary>
    public string? LastErrorLine()
    {
        lock (_gate) return _stderrTail.LastOrDefault(line => ErrorLine().IsMatch(line));
    }

    private string? LastLine()
    {
        lock (_gate) return _stderrTail.LastOrDefault();
    }

    public Frame? Read()
    {
        var image = new Mat(Info.Height, Info.Width, MatType.CV_8UC3);
        try
        {
            if (!ReadExactly(image))
            {
                image.Dispose();
                return null; // ffmpeg's stdout ended: the peer is gone, or we were disposed
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && Volatile.Read(ref _disposed))
        {
            image.Dispose();
            return null;
        }
        catch
        {
            image.Dispose();
            throw;
        }
        _number++;
        return new Frame
        {
            CameraId = CameraId,
            Number = _number,
            Timestamp = DateTimeOffset.UtcNow,
            TimestampSource = "wallclock",
            Image = image,
        };
    }

    private unsafe bool ReadExactly(Mat image)
    {
        // A freshly allocated Mat is continuous: rows * cols * 3 bytes from Data.
        var buffer = new Span<byte>((void*)image.Data, _frameBytes);
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = _stdout.Read(buffer[filled..]);
            if (n == 0) return false; // a partial frame at the end is dropped with the stream
            filled += n;
        }
        return true;
    }

    /// <summary>Kills ffmpeg and waits for it. Safe to call while another thread is blocked in
    /// <see cref="Read"/> (that is how a stalled stream is unblocked); that Read then returns null.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // it exited on its own meanwhile
        catch (Win32Exception) { }
        // Bounded: a process that survives SIGKILL for seconds is the kernel's problem, not ours.
        _process.WaitForExit(TimeSpan.FromSeconds(5));
    }

    private void OnStderrLine(string? line)
    {
        if (line is null)
        {
            _header.TrySetResult(null); // ffmpeg closed stderr: it is ending without a header
            return;
        }
        if (line.Length == 0) return;
        lock (_gate)
        {
            _stderrTail.Enqueue(FrameSources.Redact(line)); // ffmpeg repeats the URL, credentials included
            while (_stderrTail.Count > KeptErrorLines) _stderrTail.Dequeue();
        }
        if (!_header.Task.IsCompleted && ParseOutputStream(line) is { } info)
            _header.TrySetResult(info);
    }

    /// <summary>
    /// Reads the size and rate from ffmpeg's line for its output stream, e.g.
    /// <c>Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, ...), 768x576 [SAR 1:1 DAR 4:3], q=2-31, 106168 kb/s, 10 fps, 10 tbn</c>.
    /// Null for any other line.
    /// </summary>
    internal static FrameSourceInfo? ParseOutputStream(string line)
    {
        var m = OutputStreamLine().Match(line);
        if (!m.Success) return null;
        int w = int.Parse(m.Groups["w"].Value, CultureInfo.InvariantCulture);
        int h = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
        if (w <= 0 || h <= 0) return null;
        double fps = 25.0; // a live stream without a declared rate; only pacing and metrics use it
        var rate = FrameRate().Match(line);
        if (rate.Success)
        {
            double value = double.Parse(rate.Groups["fps"].Value, CultureInfo.InvariantCulture);
            if (rate.Groups["k"].Success) value *= 1000;
            if (value > 0 && value < 1000) fps = value;
        }
        return new FrameSourceInfo(w, h, fps, null);
    }

    /// <summary>The ffmpeg command line for <paramref name="url"/> (input options depend on the protocol).</summary>
    internal static IReadOnlyList<string> Arguments(string url, TimeSpan timeout)
    {
        string micros = ((long)timeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        var args = new List<string> { "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info" };
        string scheme = url[..Math.Max(0, url.IndexOf("://", StringComparison.Ordinal))].ToLowerInvariant();
        if (scheme is "rtsp" or "rtsps")
        {
            // UDP RTP loses packets (smeared frames) through NAT and firewalls; TCP interleaving does not.
            // For rtsp, -timeout is the socket I/O timeout (ffmpeg >= 5).
            args.AddRange(["-rtsp_transport", "tcp", "-timeout", micros]);
        }
        else
        {
            // rw_timeout is the generic protocol read/write timeout: without it a silent peer blocks forever.
            args.AddRange(["-rw_timeout", micros]);
        }
        // ffmpeg probes 5 s of a stream by default: measured 5.5 s to the first frame of a live MPEG-TS
        // stream, 1.6 s with 1 s of probing, which still finds size and rate (and every reconnect pays it).
        args.AddRange(["-analyzeduration", "1000000"]);
        args.AddRange(["-i", url,
            "-map", "0:v:0", "-an", "-sn", "-dn",
            // Deliver frames as they come: no duplicated or dropped frames to fake a constant rate.
            "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]);
        return args;
    }

    [GeneratedRegex(@"Stream #\d+:\d+.*: Video: rawvideo.*?, (?<w>\d+)x(?<h>\d+)")]
    private static partial Regex OutputStreamLine();

    [GeneratedRegex(@", (?<fps>\d+(?:\.\d+)?)(?<k>k)? fps")]
    private static partial Regex FrameRate();

    [GeneratedRegex(@"(?i)error|refused|failed|not found|denied|invalid|timed out|unreachable|no route|could not|cannot|unable|forbidden|unauthorized|\b[45]\d\d\b")]
    private static partial Regex ErrorLine();
}
