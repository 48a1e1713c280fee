using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReId.Core.Geometry;
using ReId.Core.Identity;
using ReId.Core.Tracking;
using ReId.Inference;
using ReId.Vision;
using ReId.Vision.Detectors;
using ReId.Vision.Sources;
using ReIdWorker.Replay;

namespace ReIdWorker.Live;

/// <summary>What one camera's worker needs from the process: the shared stages and how to make its own.</summary>
public sealed record CameraServices(
    ICropEmbedder Embedder,
    IdentityResolver Resolver,
    LiveIdentities Live,
    RunEventSink Sink,
    Func<IDetector> NewDetector,
    Func<ITracker> NewTracker,
    PipelineOptions Pipeline,
    LiveSourceOptions SourceOptions,
    string WorkerId);

/// <summary>
/// One camera of <c>reid run</c>: reads its live source, detects on the thread pool (the source keeps
/// reading meanwhile and drops the oldest buffered frame when processing falls behind), and runs the
/// camera's pipeline. On stop it finishes the frame in hand and ends every live track, so each started
/// track has an ended event. An unexpected error restarts the camera after a pause instead of taking
/// the other cameras down.
/// </summary>
public sealed class CameraWorker(CameraOptions camera, CameraServices services, IHostApplicationLifetime lifetime, ILogger<CameraWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    private volatile LiveSource? _source;
    private volatile CameraPipeline? _pipeline;
    private long _busySinceTicks; // Stopwatch timestamp while a frame is being processed, else 0
    private volatile bool _finished;
    private long _earlierRead, _earlierDropped, _earlierReconnects; // counters of sources of earlier restarts

    public string CameraId => camera.Id!;

    /// <summary>The source's counters; null before the first open.</summary>
    public LiveSourceStats? SourceStats => _source?.Stats;

    public bool Connected => _source?.Stats.Connected ?? false;

    /// <summary>The loop ended for good (stop); a live worker that is not stopping never finishes.</summary>
    public bool Finished => _finished;

    /// <summary>How long the frame in hand has been processed; zero when idle (waiting for a frame is not busy).</summary>
    public TimeSpan BusyFor
    {
        get
        {
            long since = Interlocked.Read(ref _busySinceTicks);
            return since == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(since);
        }
    }

    public int LiveTracks => _pipeline?.LiveTracks ?? 0;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Cameras start once the whole host has started. If it fails to start (the HTTP port is taken),
        // no camera has begun: the process must not exit while a detector is still working on a frame.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; }
            catch (OperationCanceledException) { _finished = true; return; }
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                    return; // the source ended for good (not a looping file, not a stream) or stop was asked
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    RunMetrics.CameraRestarts.WithLabels(CameraId).Inc();
                    logger.LogError(ex, "Camera {CameraId} failed ({Reason}); restarting it in {Delay}", CameraId, ex.Message, RestartDelay);
                    try { await Task.Delay(RestartDelay, stoppingToken); }
                    catch (OperationCanceledException) { return; }
                }
            }
        }
        finally
        {
            _finished = true;
        }
    }

    private async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        // A fresh pipeline starts its track and frame numbers at 1 again; the start time keeps its
        // event ids and new person ids apart from those of earlier runs (downstream de-duplicates by id).
        // Camera URLs often carry credentials (rtsp://user:pass@host): events and logs get the redacted form.
        string shownSource = FrameSources.Redact(camera.Source!);
        string idScope = $"{shownSource}@{DateTimeOffset.UtcNow:O}";
        using var detector = services.NewDetector();
        var pipeline = new CameraPipeline(CameraId, shownSource, idScope, services.NewTracker(), services.Embedder,
            services.Resolver, services.Live, services.Sink, album: null, services.Pipeline, services.WorkerId);
        var options = services.SourceOptions with { Loop = camera.Loop };
        await using var source = LiveSource.Open(CameraId, camera.Source!, options, logger);
        _source = source;
        _pipeline = pipeline;
        logger.LogInformation("Camera {CameraId} reading {Source} with {Detector}", CameraId, shownSource, detector.Name);

        Frame? last = null;
        try
        {
            // Frames already taken from the source are finished even when stop is asked: the pipeline's
            // calls get no token, so a frame is never half processed (its events half published).
            await foreach (var frame in source.ReadAllAsync(stoppingToken))
            {
                Interlocked.Exchange(ref _busySinceTicks, Stopwatch.GetTimestamp());
                try
                {
                    IReadOnlyList<Detection> detections = await Task.Run(() => detector.Detect(frame), CancellationToken.None);
                    await pipeline.ProcessAsync(frame, detections, CancellationToken.None);
                    RunMetrics.Frames.WithLabels(CameraId).Inc();
                    RunMetrics.Detections.WithLabels(CameraId).Inc(detections.Count);
                    RunMetrics.FrameSeconds.WithLabels(CameraId).Observe(Stopwatch.GetElapsedTime(Interlocked.Read(ref _busySinceTicks)).TotalSeconds);
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
                finally
                {
                    Interlocked.Exchange(ref _busySinceTicks, 0);
                }
                last?.Dispose();
                last = frame; // kept as the frame the remaining tracks end on
                if (stoppingToken.IsCancellationRequested) break;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stop asked while waiting for a frame
        }
        finally
        {
            try
            {
                await source.StopAsync();
                if (last is not null)
                {
                    int live = pipeline.LiveTracks;
                    await pipeline.FinishAsync(last, CancellationToken.None);
                    logger.LogInformation("Camera {CameraId} stopped after {Frames} frames; ended {Live} live track(s)",
                        CameraId, pipeline.Stats.Frames, live);
                }
            }
            finally
            {
                last?.Dispose();
                // A restarted camera gets a new source whose counters start at 0; the metrics must not.
                var stats = source.Stats;
                Interlocked.Add(ref _earlierRead, stats.FramesRead);
                Interlocked.Add(ref _earlierDropped, stats.FramesDropped);
                Interlocked.Add(ref _earlierReconnects, stats.Reconnects);
                _source = null;
                RunMetrics.LiveTracks.WithLabels(CameraId).Set(0);
            }
        }
    }

    /// <summary>Copies the source's counters into the metrics just before a scrape.</summary>
    public void UpdateMetrics()
    {
        var stats = _source?.Stats;
        RunMetrics.FramesRead.WithLabels(CameraId).IncTo(Interlocked.Read(ref _earlierRead) + (stats?.FramesRead ?? 0));
        RunMetrics.FramesDropped.WithLabels(CameraId).IncTo(Interlocked.Read(ref _earlierDropped) + (stats?.FramesDropped ?? 0));
        RunMetrics.Reconnects.WithLabels(CameraId).IncTo(Interlocked.Read(ref _earlierReconnects) + (stats?.Reconnects ?? 0));
        RunMetrics.Connected.WithLabels(CameraId).Set(Connected ? 1 : 0);
        RunMetrics.LiveTracks.WithLabels(CameraId).Set(LiveTracks);
    }
}
