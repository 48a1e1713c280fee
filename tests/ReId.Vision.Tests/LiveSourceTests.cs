using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenCvSharp;
using ReId.TestSupport;
using ReId.Vision.Sources;
using Xunit.Abstractions;

namespace ReId.Vision.Tests;

[Collection(FfmpegCollection.Name)]
public sealed class LiveSourceTests(ITestOutputHelper output)
{
    private static readonly LiveSourceOptions Fast = new()
    {
        StallTimeout = TimeSpan.FromSeconds(2),
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(200),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
    };

    private readonly TestLogger _log = new(output);

    [LiveFact]
    public async Task A_camera_that_goes_away_is_reconnected_and_numbering_continues()
    {
        int port = FfmpegServer.FreePort();
        var server = FfmpegServer.Tcp(port);
        await server.WaitUntilListeningAsync();
        await using var live = LiveSource.Open("gate-1", server.Url, Fast with { StallTimeout = TimeSpan.FromSeconds(10) }, _log);
        using var consumer = new Consumer(live);

        await consumer.WaitForAsync(5, TimeSpan.FromSeconds(30));
        Assert.True(live.Stats.Connected);
        var (size, fps) = Pixels.Describe(SampleFootage.VtestAvi);
        Assert.Equal(new FrameSourceInfo(size.Width, size.Height, fps, null), live.Info);
        Assert.NotNull(live.Stats.LastFrameAt);
        server.Dispose();

        await WaitUntil(() => !live.Stats.Connected, TimeSpan.FromSeconds(15));
        int beforeRestart = consumer.Count;
        // Nothing listens now: attempts are refused and retried with backoff.
        await WaitUntil(() => live.Stats.Reconnects >= 2, TimeSpan.FromSeconds(15));
        Assert.False(live.Stats.Connected);
        Assert.Equal(beforeRestart, consumer.Count);

        using var restarted = FfmpegServer.Tcp(port);
        await consumer.WaitForAsync(beforeRestart + 5, TimeSpan.FromSeconds(30));

        Assert.True(live.Stats.Connected);
        long[] numbers = consumer.Numbers;
        Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.Second > p.First), "frame numbers must keep increasing across the reconnect");
        Assert.Contains(_log.Lines, l => l.Contains("gate-1") && l.Contains("Connection refused") && l.Contains("reconnecting"));
        Assert.Contains(_log.Lines, l => l.Contains("gate-1") && l.Contains("ended"));
        Assert.All(consumer.Sizes, s => Assert.Equal(size, s));
    }

    [LiveFact]
    public async Task A_stalled_camera_is_reopened_after_the_stall_timeout()
    {
        int port = FfmpegServer.FreePort();
        var server = FfmpegServer.Tcp(port);
        await server.WaitUntilListeningAsync();
        // A long network timeout: only the watchdog can notice this stall.
        string url = server.Url;
        await using var live = new LiveSource("gate-2", url,
            () => new FfmpegStreamSource(url, "gate-2", TimeSpan.FromSeconds(120)), Fast, _log);
        using var consumer = new Consumer(live);
        await consumer.WaitForAsync(5, TimeSpan.FromSeconds(30));

        server.Pause();
        var paused = Stopwatch.StartNew();
        await WaitUntil(() => live.Stats.Reconnects >= 1, TimeSpan.FromSeconds(30));

        Assert.True(paused.Elapsed >= Fast.StallTimeout, $"reconnected {paused.Elapsed} after the pause, before the stall timeout");
        Assert.Contains("stalled", live.Stats.LastError);
        Assert.Contains(_log.Lines, l => l.Contains("gate-2") && l.Contains("stalled"));
        int beforeRestart = consumer.Count;

        server.Resume();
        server.Dispose();
        using var restarted = FfmpegServer.Tcp(port);
        await consumer.WaitForAsync(beforeRestart + 5, TimeSpan.FromSeconds(30));
        long[] numbers = consumer.Numbers;
        Assert.True(numbers.Zip(numbers.Skip(1)).All(p => p.Second > p.First));
    }

    [LiveFact]
    public async Task An_unreachable_camera_is_retried_with_growing_delays_capped_at_the_maximum()
    {
        string url = $"tcp://127.0.0.1:{FfmpegServer.FreePort()}"; // nothing listens: every attempt is refused
        var options = new LiveSourceOptions { ReconnectBaseDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromMilliseconds(400) };
        await using var live = LiveSource.Open("yard", url, options, _log);
        using var consumer = new Consumer(live);

        await WaitUntil(() => live.Stats.Reconnects >= 10, TimeSpan.FromSeconds(60));

        double[] delays = _log.Lines
            .Select(l => Regex.Match(l, @"yard: .*Connection refused.*reconnecting to .* in (?<s>[\d.]+) s \(attempt (?<n>\d+)\)"))
            .Where(m => m.Success)
            .Select(m => double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(delays.Length >= 10, $"expected 10 logged retries, got {delays.Length}");
        Assert.All(delays, d => Assert.InRange(d, 0, options.ReconnectMaxDelay.TotalSeconds));
        // Jittered exponential growth: the first waits are short (base 50 ms: at most 50 ms), from the
        // fourth attempt on (50 ms * 2^3 = 400 ms) they are spread over [cap/2, cap], never all equal,
        // so cameras that failed together do not reconnect in step.
        Assert.InRange(delays[0], 0.025, 0.05);
        double cap = options.ReconnectMaxDelay.TotalSeconds;
        var atCap = delays.Skip(3).ToArray();
        Assert.All(atCap, d => Assert.InRange(d, cap / 2, cap));
        Assert.True(atCap.Distinct().Count() > 1, $"delays at the cap do not vary: {string.Join(", ", atCap)}");
        Assert.False(live.Stats.Connected);
        Assert.Contains(url, live.Stats.LastError);
        Assert.Contains("Connection refused", live.Stats.LastError);
        Assert.Null(live.Stats.LastFrameAt);
        Assert.Equal(0, consumer.Count);
    }

    [LiveFact]
    public async Task A_slow_consumer_gets_the_newest_frames_and_dropped_frames_are_disposed()
    {
        var produced = new ConcurrentQueue<Mat>();
        string video = SampleFootage.VtestAvi;
        var options = new LiveSourceOptions { BufferFrames = 2, Loop = true, PaceToFrameRate = false };
        var live = new LiveSource("hall", video, () => new RecordingSource(new VideoFileSource(video, "hall"), produced), options, _log);

        var delivered = new List<Frame>();
        var frames = live.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await frames.MoveNextAsync());
        delivered.Add(frames.Current);
        while (delivered.Count < 12)
        {
            await Task.Delay(60); // a consumer far slower than decoding
            // What comes next must be one of the newest BufferFrames frames at the moment of asking:
            // the buffer always holds a suffix of what was read.
            long readBefore = live.Stats.FramesRead;
            Assert.True(await frames.MoveNextAsync());
            delivered.Add(frames.Current);
            Assert.True(frames.Current.Number > readBefore - options.BufferFrames,
                $"got frame {frames.Current.Number} although {readBefore} had been read: not the newest");
        }
        await live.StopAsync();
        await live.StopAsync(); // idempotent

        var stats = live.Stats;
        Assert.True(stats.FramesDropped > 0);
        Assert.Equal(delivered.Count, stats.FramesDelivered);
        Assert.Equal(stats.FramesRead, stats.FramesDelivered + stats.FramesDropped);
        // The source may have produced one more frame while stopping; it is closed, not counted.
        Assert.InRange(produced.Count, stats.FramesRead, stats.FramesRead + 1);
        var kept = delivered.Select(f => f.Image).ToHashSet();
        Assert.All(produced.Where(m => !kept.Contains(m)), m => Assert.True(m.IsDisposed, "a dropped frame was not disposed"));
        Assert.All(delivered, f => Assert.False(f.Image.IsDisposed, "a delivered frame belongs to the consumer"));
        delivered.ForEach(f => f.Dispose());
        Assert.False(await frames.MoveNextAsync()); // stopped: the stream has ended
        await frames.DisposeAsync();
    }

    [LiveFact]
    public async Task A_looped_file_delivers_more_frames_than_it_has_and_an_unlooped_one_ends()
    {
        string dir = Directory.CreateTempSubdirectory("reid-loop-").FullName;
        try
        {
            string clip = Path.Combine(dir, "clip.avi");
            const double fps = 50;
            WriteClip(clip, frames: 20, fps: fps);
            // Paced at the clip's rate, as a camera would deliver it; the buffer is deep enough that a
            // consumer on a busy machine loses nothing, so every number must arrive.
            var paced = new LiveSourceOptions { BufferFrames = 64 };

            await using var looped = LiveSource.Open("loop", clip, paced with { Loop = true }, _log);
            var loopedNumbers = new List<long>();
            await foreach (var frame in looped.ReadAllAsync())
            {
                using (frame) loopedNumbers.Add(frame.Number);
                if (loopedNumbers.Count == 50) break;
            }
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), loopedNumbers);
            Assert.Equal(0, looped.Stats.Reconnects);

            await using var once = LiveSource.Open("once", clip, paced, _log);
            var numbers = new List<long>();
            var clock = Stopwatch.StartNew();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await foreach (var frame in once.ReadAllAsync(timeout.Token))
                using (frame) numbers.Add(frame.Number);

            Assert.False(timeout.IsCancellationRequested, "an unlooped file must end by itself");
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), numbers);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(19 / fps * 0.9), $"20 frames at {fps} fps took only {clock.Elapsed}");
            Assert.False(once.Stats.Connected);
            Assert.Equal(0, once.Stats.FramesDropped);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("StallTimeout")]
    [InlineData("ReconnectBaseDelay")]
    [InlineData("ReconnectMaxDelay")]
    [InlineData("BufferFrames")]
    public void Invalid_options_name_the_key(string key)
    {
        var options = key switch
        {
            "StallTimeout" => new LiveSourceOptions { StallTimeout = TimeSpan.Zero },
            "ReconnectBaseDelay" => new LiveSourceOptions { ReconnectBaseDelay = TimeSpan.FromSeconds(-1) },
            "ReconnectMaxDelay" => new LiveSourceOptions { ReconnectMaxDelay = TimeSpan.FromSeconds(0.1) },
            _ => new LiveSourceOptions { BufferFrames = 0 },
        };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.StartsWith(key, ex.Message);
        Assert.DoesNotContain('\n', ex.Message.Split(" (Parameter")[0]);
        Assert.Throws<ArgumentException>(() => new LiveSource("c", "x.avi", () => throw new InvalidOperationException(), options, _log));
    }

    private static void WriteClip(string path, int frames, double fps)
    {
        using var capture = new VideoCapture(SampleFootage.VtestAvi, VideoCaptureAPIs.FFMPEG);
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new Size(capture.FrameWidth, capture.FrameHeight));
        Assert.True(writer.IsOpened());
        using var image = new Mat();
        for (int i = 0; i < frames && capture.Read(image); i++) writer.Write(image);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"condition not met within {timeout}");
            await Task.Delay(50);
        }
    }

    /// <summary>Reads a live source in the background like a worker would, keeping numbers and sizes.</summary>
    private sealed class Consumer : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<long> _numbers = [];
        private readonly List<Size> _sizes = [];
        private readonly Task _run;

        public Consumer(LiveSource live)
        {
            _run = Task.Run(async () =>
            {
                await foreach (var frame in live.ReadAllAsync(_stop.Token))
                    using (frame)
                        lock (_numbers)
                        {
                            _numbers.Add(frame.Number);
                            _sizes.Add(frame.Image.Size());
                        }
            });
        }

        public int Count { get { lock (_numbers) return _numbers.Count; } }
        public long[] Numbers { get { lock (_numbers) return _numbers.ToArray(); } }
        public Size[] Sizes { get { lock (_numbers) return _sizes.ToArray(); } }

        public async Task WaitForAsync(int count, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Count < count)
            {
                if (_run.IsCompleted) await _run; // surfaces a consumer failure
                if (clock.Elapsed > timeout) throw new TimeoutException($"only {Count} of {count} frames within {timeout}");
                await Task.Delay(50);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _run.Wait(TimeSpan.FromSeconds(15));
            _stop.Dispose();
        }
    }

    /// <summary>Passes a real source through, remembering every image it produced (to check disposal).</summary>
    private sealed class RecordingSource(IFrameSource inner, ConcurrentQueue<Mat> produced) : IFrameSource
    {
        public string CameraId => inner.CameraId;
        public string Source => inner.Source;
        public FrameSourceInfo Info => inner.Info;

        public Frame? Read()
        {
            var frame = inner.Read();
            if (frame is not null) produced.Enqueue(frame.Image);
            return frame;
        }

        public void Dispose() => inner.Dispose();
    }
}
