using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using ReId.Core.Events;
using ReId.Core.Gallery;
using ReId.Core.Geometry;
using ReId.Core.Identity;
using ReId.Core.Tracking;
using ReId.Inference;
using ReId.Vision;
using ReId.Vision.Imaging;

namespace ReIdWorker.Replay;

/// <summary>Settings of one replay.</summary>
/// <param name="NewTracker">Makes each camera's own tracker.</param>
/// <param name="Tracklets">When set, each track's crops are also exported as a pseudo-identity for training.</param>
public sealed record ReplaySettings(
    string OutputDirectory,
    long? MaxFrames,
    bool WriteVideo,
    string WorkerId,
    Func<ITracker> NewTracker,
    PipelineOptions Pipeline,
    TrackletExporter? Tracklets = null,
    CameraOverlap? Overlap = null);

/// <summary>
/// Replays recorded cameras as fast as the machine allows and losslessly: every frame is decoded,
/// detected and processed, nothing is dropped (readers wait for the pipeline). Cameras share one
/// gallery and are processed in timestamp order, so identities flow across cameras as they would
/// have live, and the same inputs always give the same events.
/// </summary>
public sealed class ReplayRunner(
    IReadOnlyList<ReplayCamera> cameras,
    Embedder embedder,
    IGallery gallery,
    IEventSink sink,
    IdentityResolver resolver,
    ReplaySettings settings,
    ILogger logger)
{
    /// <summary>Called after each processed frame with (frames done, frames expected or null).</summary>
    public Action<long, long?>? Progress { get; init; }

    private sealed record DetectedFrame(Frame Frame, Task<IReadOnlyList<Detection>> Detections);

    private sealed class CameraRun : IDisposable
    {
        public required ReplayCamera Camera;
        public required CameraPipeline Pipeline;
        public required ChannelReader<DetectedFrame> Frames;
        public required Task Reader;
        public required MotTrackWriter Tracks;
        public VideoWriter? Video;
        public DetectedFrame? Head;
        public Frame? Last;
        public readonly Stopwatch DecodeTime = new();
        public long DetectTicks;

        public void Dispose()
        {
            Tracks.Dispose();
            Video?.Dispose();
            Last?.Dispose();
            Head?.Frame.Dispose();
            // Frames still queued when a replay fails own native memory: release them too.
            while (Frames.TryRead(out var f)) f.Frame.Dispose();
        }
    }

    public async Task<ReplaySummary> RunAsync(CancellationToken ct)
    {
        var wall = Stopwatch.StartNew();
        var live = new LiveIdentities(settings.Overlap ?? CameraOverlap.None);
        using var album = new IdentityAlbum();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var runs = new List<CameraRun>();
        try
        {
            foreach (var camera in cameras)
            {
                settings.Tracklets?.AddCamera(camera.CameraId); // numbered in input order, as the crop names say
                runs.Add(StartCamera(camera, live, album, stop.Token));
                logger.LogInformation("Replaying {Source} as camera {CameraId} ({Width}x{Height} at {Fps:0.##} fps) with {Detector}",
                    camera.Source.Source, camera.CameraId, camera.Source.Info.Width, camera.Source.Info.Height,
                    camera.Source.Info.FramesPerSecond, camera.Detector.Name);
            }

            long done = 0;
            long? expected = ExpectedFrames();
            foreach (var run in runs) await AdvanceAsync(run, stop.Token);
            while (runs.Where(r => r.Head is not null).MinBy(r => r.Head!.Frame.Timestamp) is { } next)
            {
                var (frame, detectionTask) = next.Head!;
                next.Head = null;
                var detections = await detectionTask;
                var marks = await next.Pipeline.ProcessAsync(frame, detections, stop.Token);
                next.Tracks.Write(frame.Number, marks.Visible);
                foreach (var (earlierFrame, mark) in marks.Earlier) next.Tracks.Write(earlierFrame, [mark]);
                settings.Tracklets?.Add(frame, marks.Visible); // before annotation draws on the frame
                if (next.Video is not null)
                {
                    TrackAnnotator.Draw(frame.Image, marks.Visible, $"{next.Camera.CameraId}  frame {frame.Number}  {frame.Timestamp:yyyy-MM-dd HH:mm:ss.fff}Z");
                    next.Video.Write(frame.Image);
                }
                next.Last?.Dispose();
                next.Last = frame; // kept as the frame the camera's remaining tracks end on
                Progress?.Invoke(++done, expected);
                await AdvanceAsync(next, stop.Token);
            }

            foreach (var run in runs)
            {
                await run.Reader; // surfaces a decode error of that camera
                if (run.Last is not null) await run.Pipeline.FinishAsync(run.Last, stop.Token);
            }

            settings.Tracklets?.Finish();
            await sink.FlushAsync(ct);
            await gallery.SaveAsync(ct);
            IdentitySheet.Write(Path.Combine(settings.OutputDirectory, "identities.png"), album.Rows());
            var summary = Summarise(runs, album, wall.Elapsed.TotalSeconds, await gallery.CountAsync(ct));
            logger.LogInformation("Replayed {Frames} frames in {Seconds:0.0} s: {Tracks} tracks, {Identities} identities, {Events} events",
                summary.Frames, summary.WallSeconds, summary.Tracks, summary.Identities, summary.Events);
            await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "summary.json"),
                JsonSerializer.Serialize(summary, SummaryJson.Options), ct);
            IdentityReport.Write(Path.Combine(settings.OutputDirectory, "report.html"), summary, album.Entries());
            return summary;
        }
        finally
        {
            stop.Cancel();
            foreach (var run in runs)
            {
                try { await run.Reader; } catch { /* already reported through the main loop */ }
                run.Dispose();
            }
        }
    }

    private CameraRun StartCamera(ReplayCamera camera, LiveIdentities live, IdentityAlbum album, CancellationToken ct)
    {
        string dir = Path.Combine(settings.OutputDirectory, SafeName(camera.CameraId));
        Directory.CreateDirectory(dir);
        var info = camera.Source.Info;
        VideoWriter? video = null;
        if (settings.WriteVideo)
        {
            string path = Path.Combine(dir, "annotated.avi");
            video = new VideoWriter(path, FourCC.MJPG, info.FramesPerSecond, new Size(info.Width, info.Height));
            if (!video.IsOpened())
            {
                video.Dispose();
                throw new IOException($"cannot write '{path}'; check the output folder is writable, or pass --no-video");
            }
        }
        // Bounded: a reader runs at most a few frames ahead, which both bounds memory (frames are
        // native) and bounds how many frames are being detected in parallel.
        var channel = Channel.CreateBounded<DetectedFrame>(new BoundedChannelOptions(Math.Max(2, Environment.ProcessorCount * 2))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var run = new CameraRun
        {
            Camera = camera,
            Pipeline = new CameraPipeline(camera.CameraId, camera.Source.Source, settings.NewTracker(), embedder, resolver,
                live, sink, album, settings.Pipeline, settings.WorkerId),
            Frames = channel.Reader,
            Reader = Task.CompletedTask,
            Tracks = new MotTrackWriter(Path.Combine(dir, "tracks.txt")),
            Video = video,
        };
        run.Reader = Task.Run(() => ReadAsync(run, channel.Writer, ct), ct);
        return run;
    }

    private async Task ReadAsync(CameraRun run, ChannelWriter<DetectedFrame> writer, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            long n = 0;
            while (!ct.IsCancellationRequested && (settings.MaxFrames is not { } max || n < max))
            {
                run.DecodeTime.Start();
                var frame = run.Camera.Source.Read();
                run.DecodeTime.Stop();
                if (frame is null) break;
                n++;
                var detections = Task.Run(() =>
                {
                    long t0 = Stopwatch.GetTimestamp();
                    var result = run.Camera.Detector.Detect(frame);
                    Interlocked.Add(ref run.DetectTicks, Stopwatch.GetTimestamp() - t0);
                    return result;
                }, ct);
                try { await writer.WriteAsync(new DetectedFrame(frame, detections), ct); }
                catch
                {
                    await detections.ContinueWith(_ => frame.Dispose(), TaskScheduler.Default);
                    throw;
                }
            }
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            writer.TryComplete(error);
        }
    }

    private static async Task AdvanceAsync(CameraRun run, CancellationToken ct)
    {
        run.Head = await run.Frames.WaitToReadAsync(ct) && run.Frames.TryRead(out var next) ? next : null;
    }

    private long? ExpectedFrames()
    {
        long total = 0;
        foreach (var c in cameras)
        {
            long? n = c.Source.Info.FrameCount;
            if (settings.MaxFrames is { } max) n = n is null ? max : Math.Min(n.Value, max);
            if (n is null) return null;
            total += n.Value;
        }
        return total;
    }

    private ReplaySummary Summarise(List<CameraRun> runs, IdentityAlbum album, double wallSeconds, long exemplars)
    {
        long frames = runs.Sum(r => r.Pipeline.Stats.Frames);
        double decodeSeconds = runs.Sum(r => r.DecodeTime.Elapsed.TotalSeconds);
        double detectSeconds = runs.Sum(r => (double)r.DetectTicks / Stopwatch.Frequency);
        long crops = runs.Sum(r => r.Pipeline.Stats.Crops);
        double embedSeconds = runs.Sum(r => r.Pipeline.Stats.EmbedSeconds);
        return new ReplaySummary
        {
            Cameras = runs.Select(r =>
            {
                var s = r.Pipeline.Stats;
                return new CameraSummary(r.Camera.CameraId, r.Camera.Source.Source, s.Frames, s.Detections, s.Tracks, s.StaticTracks,
                    s.Crops, s.Events, s.NewIdentities, s.Reidentified, s.Revisions, s.Merges);
            }).ToList(),
            Frames = frames,
            Tracks = runs.Sum(r => r.Pipeline.Stats.Tracks),
            Identities = album.Count,
            Events = runs.Sum(r => r.Pipeline.Stats.Events),
            GalleryExemplars = exemplars,
            Model = embedder.Metadata.Id,
            EmbeddingDim = embedder.Dimension,
            ExecutionProvider = embedder.Provider,
            Detector = string.Join(",", cameras.Select(c => c.Detector.Name).Distinct()),
            Gallery = gallery.Describe,
            EventSink = sink.Describe,
            WallSeconds = Math.Round(wallSeconds, 3),
            Throughput = new StageThroughput(
                Rate(frames, decodeSeconds), Rate(frames, detectSeconds), Rate(crops, embedSeconds), Rate(frames, wallSeconds)),
        };
    }

    private static double Rate(long n, double seconds) => seconds > 0 ? Math.Round(n / seconds, 1) : 0;

    /// <summary>Camera ids become folder names; keep them to safe characters.</summary>
    public static string SafeName(string cameraId) =>
        string.Concat(cameraId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}

internal static class SummaryJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
}
