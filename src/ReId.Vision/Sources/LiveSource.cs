using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ReId.Vision.Sources;

/// <summary>
/// Turns an <see cref="IFrameSource"/> into a camera that keeps running: it reopens the source when
/// it fails, ends (network streams and devices) or stalls, with exponential backoff; it numbers frames
/// continuously across reconnects and stamps them with wall-clock time; and it buffers only the newest
/// <see cref="LiveSourceOptions.BufferFrames"/> frames, so a slow consumer sees the present rather than
/// a growing backlog (dropped frames are disposed and counted).
/// </summary>
/// <remarks>
/// Each connection ("session") reads on its own thread because <see cref="IFrameSource.Read"/> blocks
/// for as long as the camera takes; blocking thread-pool threads with many cameras would starve the
/// rest of the host. A watchdog on the orchestrating task notices a session that stopped delivering
/// and interrupts it (an ffmpeg source is killed, which unblocks its Read).
/// </remarks>
public sealed class LiveSource : IAsyncDisposable
{
    /// <summary>How long a stopped or stalled session may take to return from a blocked Read before it is abandoned.</summary>
    private static readonly TimeSpan SessionExitWait = TimeSpan.FromSeconds(5);

    private readonly Func<IFrameSource> _open;
    private readonly LiveSourceOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly bool _recorded;
    /// <summary><see cref="Source"/> without the password, for logs and messages.</summary>
    private readonly string _shown;
    private readonly Channel<Frame> _frames;
    private readonly ResiliencePipeline _reconnect;
    private readonly CancellationTokenSource _stop = new();
    /// <summary>Orders numbering and buffering of frames against stopping.</summary>
    private readonly Lock _publishGate = new();
    private readonly Lock _lifecycleGate = new();
    private Task? _run;
    private Task? _stopped;
    private bool _stopping;
    private long _number;
    private int _reading;
    /// <summary>The next session restarts a looped file: worth a debug line, not an information line per loop.</summary>
    private volatile bool _looping;

    public string CameraId { get; }
    public string Source { get; }
    public LiveSourceStats Stats { get; } = new();

    /// <summary>Size and rate of the stream as last opened; null before the first connection. A camera
    /// may come back from a reconnect with another size, so consumers should read it per frame if it matters.</summary>
    public FrameSourceInfo? Info => Volatile.Read(ref _info);
    private FrameSourceInfo? _info;

    /// <param name="open">Opens the underlying source; called again for every reconnect (and every loop of a file).</param>
    /// <param name="time">Clock for timestamps, backoff, pacing and stall detection (tests may pass a fake one).</param>
    public LiveSource(string cameraId, string source, Func<IFrameSource> open, LiveSourceOptions options,
                      ILogger logger, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        CameraId = cameraId;
        Source = source;
        _open = open;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _recorded = FrameSources.IsRecorded(source);
        _shown = FrameSources.Redact(source);
        _frames = Channel.CreateBounded<Frame>(
            new BoundedChannelOptions(options.BufferFrames)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false, // an abandoned session may still race the current one (it gets refused)
            },
            OnDropped);
        _reconnect = BuildReconnectPipeline();
    }

    /// <summary>A live camera over <see cref="FrameSources.Open"/>; network streams get
    /// <see cref="LiveSourceOptions.StallTimeout"/> as their I/O timeout.</summary>
    public static LiveSource Open(string cameraId, string source, LiveSourceOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LiveSource(cameraId, source,
            () => FrameSources.Open(source, cameraId, networkTimeout: options.StallTimeout), options, logger);
    }

    /// <summary>
    /// The camera's frames, newest first when the consumer falls behind. The caller owns (disposes) each
    /// frame. Ends when a recorded source ends for good (a file without Loop), when
    /// <paramref name="ct"/> is cancelled (which also stops the camera) or after <see cref="StopAsync"/>.
    /// Reading starts with the first call; one reader at a time.
    /// </summary>
    public async IAsyncEnumerable<Frame> ReadAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
            throw new InvalidOperationException($"camera '{CameraId}' already has a reader; a LiveSource delivers to one consumer");
        try
        {
            Start();
            while (await NextAsync(ct) is { } frame)
            {
                Stats.FrameDelivered();
                yield return frame;
            }
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
            if (ct.IsCancellationRequested) await StopAsync();
        }
    }

    /// <summary>Stops reading, closes the source and disposes buffered frames. Idempotent.</summary>
    public Task StopAsync()
    {
        lock (_lifecycleGate)
            return _stopped ??= StopCoreAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private void Start()
    {
        lock (_lifecycleGate)
        {
            if (_run is not null || _stopped is not null) return;
            _run = Task.Run(() => RunAsync(_stop.Token));
        }
    }

    private async Task StopCoreAsync()
    {
        lock (_publishGate) _stopping = true;
        await _stop.CancelAsync();
        Task? run;
        lock (_lifecycleGate) run = _run;
        if (run is not null) await run; // RunAsync handles its own exceptions
        _frames.Writer.TryComplete();
        while (_frames.Reader.TryRead(out var frame))
        {
            frame.Dispose();
            Stats.FrameDropped();
        }
    }

    private async ValueTask<Frame?> NextAsync(CancellationToken ct)
    {
        try
        {
            while (await _frames.Reader.WaitToReadAsync(ct))
                if (_frames.Reader.TryRead(out var frame))
                    return frame;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        return null;
    }

    private void OnDropped(Frame frame)
    {
        frame.Dispose();
        Stats.FrameDropped();
    }

    private ResiliencePipeline BuildReconnectPipeline() =>
        new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                // Cameras come back: retry forever, but never hammer one that is down.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                // Exponential with "equal jitter": each wait is drawn from [d/2, d] with d = base * 2^n capped
                // at the maximum. Polly's own jittered back-off stops varying once it reaches MaxDelay, so all
                // cameras behind one failed switch would then reconnect in step, every time.
                DelayGenerator = args => new ValueTask<TimeSpan?>(ReconnectDelay(args.AttemptNumber)),
                OnRetry = args =>
                {
                    string reason = FrameSources.Redact(args.Outcome.Exception?.Message ?? "unknown");
                    Stats.Reconnecting();
                    _logger.LogWarning("Camera {CameraId}: {Reason}; reconnecting to {Source} in {Delay:0.###} s (attempt {Attempt})",
                        CameraId, reason, _shown, args.RetryDelay.TotalSeconds, args.AttemptNumber + 1);
                    return default;
                },
            })
            .Build();

    private TimeSpan ReconnectDelay(int attempt)
    {
        double capped = Math.Min(_options.ReconnectMaxDelay.TotalSeconds,
            _options.ReconnectBaseDelay.TotalSeconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromSeconds(capped * (0.5 + 0.5 * Random.Shared.NextDouble()));
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                // One execution covers the attempts until a session delivers frames, so the backoff
                // starts small again after every stretch of good video.
                var end = await _reconnect.ExecuteAsync(static (self, token) => self.RunSessionAsync(token), this, stop);
                _looping = end.Kind == SessionEndKind.Looped;
                switch (end.Kind)
                {
                    case SessionEndKind.Finished:
                        _logger.LogInformation("Camera {CameraId}: {Source} ended after {Frames} frames", CameraId, _shown, Stats.FramesRead);
                        return;
                    case SessionEndKind.Looped:
                        _logger.LogDebug("Camera {CameraId}: {Source} ended; starting it again (loop)", CameraId, _shown);
                        break;
                    case SessionEndKind.Lost:
                        Stats.Reconnecting();
                        _logger.LogWarning("Camera {CameraId}: {Reason}; reconnecting to {Source} in {Delay:0.###} s",
                            CameraId, end.Reason, _shown, _options.ReconnectBaseDelay.TotalSeconds);
                        // A camera that just dropped often needs a moment; this also caps a flapping one.
                        await Task.Delay(_options.ReconnectBaseDelay, _time, stop);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        catch (Exception ex)
        {
            // Not expected (every session failure is retried); logged so a dead camera is never silent.
            _logger.LogError(ex, "Camera {CameraId}: reading {Source} failed for good", CameraId, _shown);
            Stats.SetError(ex.Message);
        }
        finally
        {
            Stats.SetConnected(false);
            _frames.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Opens the source and reads it on a dedicated thread until it ends, fails, stalls or the camera
    /// stops. Returns how it ended after delivering frames; throws when it delivered none, so the
    /// retry pipeline backs off.
    /// </summary>
    private async ValueTask<SessionEnd> RunSessionAsync(CancellationToken token)
    {
        var session = new Session(this, token);
        session.Start();
        string? stall = null;
        TimeSpan check = _options.StallTimeout / 4;
        while (!session.Completion.IsCompleted)
        {
            await Task.WhenAny(session.Completion, Task.Delay(check, _time, token));
            if (token.IsCancellationRequested)
            {
                session.Abort();
                break;
            }
            if (session.IsConnected && _time.GetElapsedTime(session.LastProgress) >= _options.StallTimeout)
            {
                stall = $"no frame for {_options.StallTimeout.TotalSeconds:0.#} s (stream stalled)";
                session.Abort();
                break;
            }
        }
        Stats.SetConnected(false);
        if (!session.Completion.IsCompleted)
        {
            try
            {
                await session.Completion.WaitAsync(SessionExitWait, _time);
            }
            catch (TimeoutException)
            {
                _logger.LogWarning("Camera {CameraId}: the previous read of {Source} did not return within {Wait} s; abandoned (it is closed when it returns)",
                    CameraId, _shown, SessionExitWait.TotalSeconds);
            }
        }
        token.ThrowIfCancellationRequested();

        string reason;
        if (stall is not null) reason = stall;
        else if (session.Failure is { } failure) reason = failure is FrameSourceException ? failure.Message : $"{failure.GetType().Name}: {failure.Message}";
        else if (_recorded && session.Frames > 0) return new SessionEnd(_options.Loop ? SessionEndKind.Looped : SessionEndKind.Finished, null);
        else if (_recorded) reason = $"'{_shown}' delivered no frames";
        else reason = $"'{_shown}' ended" + (session.LastSourceError is { } error ? $" ({error})" : "");

        reason = FrameSources.Redact(reason);
        Stats.SetError(reason);
        if (session.Frames > 0) return new SessionEnd(SessionEndKind.Lost, reason);
        throw new SourceLostException(reason, session.Failure);
    }

    /// <summary>Numbers, stamps and buffers a frame of <paramref name="session"/>; false when it was refused.</summary>
    private bool Publish(Frame read, Session session)
    {
        lock (_publishGate)
        {
            if (_stopping || session.IsAborted)
            {
                read.Dispose();
                return false;
            }
            var now = _time.GetUtcNow();
            var frame = new Frame
            {
                CameraId = CameraId,
                Number = ++_number, // continuous across reconnects and loops: the tracker needs increasing numbers
                Timestamp = now,
                TimestampSource = "wallclock",
                Image = read.Image, // ownership moves to the new frame; the old wrapper holds nothing else
            };
            if (!_frames.Writer.TryWrite(frame))
            {
                frame.Dispose(); // completed: the camera is stopping
                return false;
            }
            // Counted after the write so FramesRead never runs ahead of what is buffered or gone.
            Stats.FrameRead(now);
            return true;
        }
    }

    private enum SessionEndKind { Finished, Looped, Lost }

    private sealed record SessionEnd(SessionEndKind Kind, string? Reason);

    private sealed class SourceLostException(string message, Exception? inner) : Exception(message, inner);

    /// <summary>One connection to the source, read on its own thread.</summary>
    private sealed class Session(LiveSource owner, CancellationToken token)
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _abort = CancellationTokenSource.CreateLinkedTokenSource(token);
        private IFrameSource? _source;
        private bool _aborted;
        private long _lastProgress;
        private long _frames;
        private int _connected;

        public Task Completion => _completion.Task;
        public bool IsAborted { get { lock (_gate) return _aborted; } }
        public bool IsConnected => Volatile.Read(ref _connected) != 0;
        /// <summary>TimeProvider timestamp of the connection or of the newest frame.</summary>
        public long LastProgress => Interlocked.Read(ref _lastProgress);
        public long Frames => Interlocked.Read(ref _frames);
        public Exception? Failure { get; private set; }
        public string? LastSourceError { get; private set; }

        public void Start()
        {
            var thread = new Thread(Run) { IsBackground = true, Name = $"camera {owner.CameraId}" };
            thread.Start();
        }

        /// <summary>Ends the session from outside. An ffmpeg source is killed at once, which unblocks
        /// its Read; any other source is closed by the session thread when its Read returns (closing a
        /// VideoCapture under a running read is not safe).</summary>
        public void Abort()
        {
            IFrameSource? source;
            lock (_gate)
            {
                _aborted = true;
                source = _source;
            }
            try { _abort.Cancel(); }
            catch (ObjectDisposedException) { } // the session thread already finished
            if (source is FfmpegStreamSource ffmpeg) ffmpeg.Dispose();
        }

        private void Run()
        {
            IFrameSource? source = null;
            try
            {
                source = owner._open();
                lock (_gate)
                {
                    if (_aborted) return; // stopped while opening; finally closes it
                    _source = source;
                    Interlocked.Exchange(ref _lastProgress, owner._time.GetTimestamp());
                    Volatile.Write(ref _connected, 1);
                    owner.Stats.SetConnected(true);
                }
                var info = source.Info;
                Volatile.Write(ref owner._info, info);
                owner._logger.Log(owner._looping ? LogLevel.Debug : LogLevel.Information,
                    "Camera {CameraId}: reading {Source} ({Width}x{Height}, {Fps:0.##} fps)",
                    owner.CameraId, owner._shown, info.Width, info.Height, info.FramesPerSecond);
                ReadLoop(source, info);
            }
            catch (Exception ex)
            {
                if (!IsAborted) Failure = ex;
            }
            finally
            {
                if (source is FfmpegStreamSource ffmpeg) LastSourceError = ffmpeg.LastErrorLine();
                try { source?.Dispose(); }
                catch (Exception ex) { owner._logger.LogDebug(ex, "Camera {CameraId}: closing {Source} failed", owner.CameraId, owner._shown); }
                _abort.Dispose();
                _completion.TrySetResult();
            }
        }

        private void ReadLoop(IFrameSource source, FrameSourceInfo info)
        {
            var time = owner._time;
            bool pace = owner._recorded && owner._options.PaceToFrameRate && info.FramesPerSecond > 0;
            long started = time.GetTimestamp();
            while (!IsAborted)
            {
                var frame = source.Read();
                if (frame is null) return;
                if (pace && !WaitUntilDue(time, started, Frames, info.FramesPerSecond))
                {
                    frame.Dispose();
                    return;
                }
                if (!owner.Publish(frame, this)) return;
                Interlocked.Increment(ref _frames);
                Interlocked.Exchange(ref _lastProgress, time.GetTimestamp());
            }
        }

        /// <summary>Waits until frame <paramref name="index"/> is due at the file's rate; false if aborted meanwhile.</summary>
        private bool WaitUntilDue(TimeProvider time, long started, long index, double fps)
        {
            var due = TimeSpan.FromSeconds(index / fps) - time.GetElapsedTime(started);
            if (due <= TimeSpan.Zero) return true;
            try
            {
                Task.Delay(due, time, _abort.Token).GetAwaiter().GetResult();
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}
