using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ReId.Core.Events;
using ReId.Core.Gallery;
using ReId.Core.Identity;
using ReId.Core.Tracking;
using ReId.Events;
using ReId.Gallery;
using ReId.Inference;
using ReId.Vision.Detectors;
using ReId.Vision.Sources;
using ReIdWorker.Replay;
using Spectre.Console;

namespace ReIdWorker.Cli;

/// <summary><c>reid replay VIDEO... --out DIR</c>: recorded footage through the whole pipeline.</summary>
public static class ReplayCommand
{
    public static Command Create(Option<bool> verbose)
    {
        var inputs = new Argument<string[]>("video") { Arity = ArgumentArity.OneOrMore, Description = "Video files or image folders; several files are several cameras sharing one gallery" };
        var output = new Option<string>("--out", "-o") { Required = true, Description = "Folder for events.jsonl, tracks, annotated videos, identities.png and summary.json" };
        var cameraIds = new Option<string[]>("--camera-id") { Description = "Camera id per input, in order (default: the file name)", AllowMultipleArgumentsPerToken = true };
        var startTime = new Option<string?>("--start-time") { Description = "ISO 8601 wall-clock time of each input's first frame (default: the file's modification time)" };
        var overlapping = new Option<string[]>("--overlapping-cameras") { Description = "Groups of cameras whose views overlap, each as comma-separated camera ids (e.g. cam1,cam2 cam2,cam3): one person may be tracked by them at the same time. Other cameras never share an identity between tracks live at once", AllowMultipleArgumentsPerToken = true };
        var maxFrames = new Option<long?>("--max-frames") { Description = "Stop each input after N frames" };
        var noVideo = new Option<bool>("--no-video") { Description = "Skip the annotated videos (faster)" };
        var retention = new Option<double?>("--retention-days") { Description = "Before replaying, forget gallery exemplars seen more than N days ago (embeddings of people are biometric data)" };
        var workerId = new Option<string>("--worker-id") { Description = "Worker id written into events", DefaultValueFactory = _ => Environment.MachineName };
        var tracklets = new Option<string?>("--export-tracklets") { Description = "Also write each track's crops to this (new or empty) folder as a pseudo-identity, one folder per track, for `reid-train` (site adaptation without labels)" };
        var trackletEvery = new Option<int?>("--tracklet-every") { Description = "Frames between two exported crops of one track (default: the pipeline's sample spacing)" };
        var trackletMax = new Option<int>("--tracklet-max-crops") { Description = "Exported crops per track at most", DefaultValueFactory = _ => 40 };
        var trackletMin = new Option<int>("--tracklet-min-crops") { Description = "Tracks with fewer usable crops are not exported (too short to trust as one person)", DefaultValueFactory = _ => 4 };
        var trackletHeight = new Option<int>("--tracklet-min-height") { Description = "Only crops at least this tall (pixels) and wholly inside the frame are exported", DefaultValueFactory = _ => 64 };
        var stages = new StageOptions();

        var command = new Command("replay", "Process recorded footage as fast as possible, losslessly, with media timestamps")
        {
            inputs, output, cameraIds, startTime, overlapping, maxFrames, noVideo, retention, workerId,
            tracklets, trackletEvery, trackletMax, trackletMin, trackletHeight,
        };
        stages.AddTo(command, withEvents: true);

        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(verbose), async (loggers, token) =>
        {
            var logger = loggers.CreateLogger("replay");
            string[] files = parse.GetValue(inputs)!;
            string outDir = parse.GetValue(output)!;
            string[] ids = parse.GetValue(cameraIds) ?? [];
            if (ids.Length != 0 && ids.Length != files.Length)
                throw new UserInputException($"--camera-id was given {ids.Length} time(s) for {files.Length} input(s); give one per input or none");
            if (ids.Distinct().Count() != ids.Length)
                throw new UserInputException("--camera-id values must be distinct: each input is one camera");
            if (ids.Length == 0)
            {
                ids = files.Select(FrameSources.DefaultCameraId).ToArray();
                if (ids.Distinct().Count() != ids.Length)
                    throw new UserInputException("two inputs have the same file name; give each a --camera-id");
            }
            DateTimeOffset? start = ParseStartTime(parse.GetValue(startTime));
            var overlap = ParseOverlap(parse.GetValue(overlapping) ?? [], ids);
            long? max = parse.GetValue(maxFrames);
            if (max is <= 0) throw new UserInputException($"--max-frames must be at least 1, got {max}");
            PrepareOutput(outDir);
            var pipeline = stages.PipelineOptions(parse);
            TrackletExporter? exporter = null;
            if (parse.GetValue(tracklets) is { } trackletDir)
            {
                var exportOptions = new TrackletExportOptions(trackletDir, parse.GetValue(trackletEvery) ?? pipeline.SampleEvery,
                    parse.GetValue(trackletMax), parse.GetValue(trackletMin), parse.GetValue(trackletHeight));
                if (exportOptions.Validate() is { } problem) throw new UserInputException(problem);
                TrackletExporter.PrepareFolder(trackletDir);
                exporter = new TrackletExporter(exportOptions, loggers.CreateLogger("tracklets"));
            }
            else if (new Option[] { trackletEvery, trackletMax, trackletMin, trackletHeight }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } stray)
                throw new UserInputException($"{stray.Name} only applies to tracklet export; add --export-tracklets DIR or drop {stray.Name}");

            // Open everything before processing a frame: a bad input or an unreachable service is
            // reported at once, not after an hour of footage.
            var cameras = new List<ReplayCamera>();
            try
            {
                for (int i = 0; i < files.Length; i++)
                {
                    var source = FrameSources.Open(files[i], ids[i], start);
                    try { cameras.Add(new ReplayCamera(source, stages.CreateDetector(parse, i, files.Length, logger))); }
                    catch { source.Dispose(); throw; }
                }
                using var embedder = stages.OpenEmbedder(parse, logger);
                string outGallery = Path.Combine(outDir, "gallery.bin");
                // Everything in --out describes this replay: a gallery left there by an earlier replay would
                // silently give its people's ids to this one. Continuing from a gallery is asked for by name.
                if (parse.GetValue(stages.GalleryPath) is null && File.Exists(outGallery)
                    && parse.GetValue(stages.Gallery)!.Equals("embedded", StringComparison.OrdinalIgnoreCase))
                {
                    File.Delete(outGallery);
                    logger.LogInformation("Replaced the gallery of an earlier replay in {Out}; pass --gallery-path to continue from a gallery", outDir);
                }
                await using var gallery = stages.CreateGallery(parse, outGallery);
                await gallery.EnsureReadyAsync(embedder.Dimension, token);
                if (parse.GetValue(retention) is { } days)
                {
                    if (days <= 0) throw new UserInputException($"--retention-days must be positive, got {days}");
                    int purged = await gallery.PurgeSeenBeforeAsync(DateTimeOffset.UtcNow.AddDays(-days), token);
                    logger.LogInformation("Retention: forgot {Purged} exemplar(s) seen more than {Days} day(s) ago", purged, days);
                }
                await using var sink = stages.CreateEventSink(parse, Path.Combine(outDir, "events.jsonl"), loggers);
                await sink.CheckReadyAsync(token);

                var resolver = new IdentityResolver(gallery, stages.ResolverOptions(parse, embedder, logger), embedder.Metadata.Id,
                    loggers.CreateLogger<IdentityResolver>());
                var settings = new ReplaySettings(outDir, max, !parse.GetValue(noVideo), parse.GetValue(workerId)!,
                    stages.TrackerFactory(parse), pipeline, exporter, overlap);
                var summary = await RunWithProgressAsync(cameras, embedder, gallery, sink, resolver, settings, logger, token);
                PrintSummary(summary, outDir, settings.WriteVideo);
                if (exporter?.Summary is { } t)
                    Console.WriteLine($"  tracklets: {t.Tracklets} ({t.Crops} crops) in {Path.GetFullPath(exporter.Options.Directory)}; " +
                        $"dropped {t.DroppedTracks} track(s) with fewer than {t.MinPerTrack} usable crops ({t.DroppedCrops} crops)");
                return ExitCodes.Ok;
            }
            finally
            {
                foreach (var c in cameras) c.Dispose();
            }
        }, ct));
        return command;
    }

    private static async Task<ReplaySummary> RunWithProgressAsync(IReadOnlyList<ReplayCamera> cameras, Embedder embedder,
        IGallery gallery, IEventSink sink, IdentityResolver resolver, ReplaySettings settings, ILogger logger, CancellationToken ct)
    {
        if (Console.IsErrorRedirected)
            return await new ReplayRunner(cameras, embedder, gallery, sink, resolver, settings, logger).RunAsync(ct);

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        ReplaySummary? summary = null;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new TransferSpeedlessRateColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("frames", maxValue: 1);
                var runner = new ReplayRunner(cameras, embedder, gallery, sink, resolver, settings, logger)
                {
                    Progress = (done, expected) =>
                    {
                        if (expected is { } e) task.MaxValue = e; else task.IsIndeterminate = true;
                        task.Value = done;
                    },
                };
                summary = await runner.RunAsync(ct);
                task.Value = task.MaxValue;
            });
        return summary!;
    }

    private static void PrintSummary(ReplaySummary s, string outDir, bool writeVideo)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replayed {s.Frames} frames from {s.Cameras.Count} camera(s) in {s.WallSeconds:0.0} s ({s.Throughput.EndToEndFps:0.0} frames/s)"));
        Console.WriteLine($"  {s.Tracks} tracks, {s.Identities} identities, {s.Events} events; model {s.Model} on {s.ExecutionProvider}, detector {s.Detector}");
        Console.WriteLine($"  results in {Path.GetFullPath(outDir)}: report.html, identities.png, events.jsonl, summary.json, <camera>/tracks.txt" +
            (writeVideo ? ", <camera>/annotated.avi" : ""));
    }

    private static CameraOverlap ParseOverlap(string[] groups, string[] cameraIds)
    {
        var overlap = CameraOverlap.Parse(groups, out var problem) ?? throw new UserInputException($"--overlapping-cameras: {problem}");
        if (overlap.Cameras.FirstOrDefault(c => !cameraIds.Contains(c)) is { } unknown)
            throw new UserInputException($"--overlapping-cameras names camera '{unknown}', which is not one of the inputs ({string.Join(", ", cameraIds)}); use the ids given by --camera-id");
        return overlap;
    }

    private static DateTimeOffset? ParseStartTime(string? text)
    {
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return t;
        throw new UserInputException($"--start-time '{text}' is not an ISO 8601 time; use e.g. 2009-03-12T09:00:00Z");
    }

    private static void PrepareOutput(string outDir)
    {
        try
        {
            Directory.CreateDirectory(outDir);
            string probe = Path.Combine(outDir, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"output folder '{outDir}' is not writable ({ex.Message}); pass --out with a folder you can write");
        }
    }
}

/// <summary>Progress column showing frames per second (Spectre's speed column assumes bytes).</summary>
internal sealed class TransferSpeedlessRateColumn : ProgressColumn
{
    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.Speed is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:0.0} fps") : "   - fps");
}
