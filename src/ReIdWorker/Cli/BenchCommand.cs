using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ReId.Core.Geometry;
using ReId.Core.Identity;
using ReId.Core.Tracking;
using ReId.Events;
using ReId.Gallery;
using ReId.Inference;
using ReId.Vision;
using ReId.Vision.Sources;
using ReIdWorker.Replay;

namespace ReIdWorker.Cli;

/// <summary>
/// <c>reid bench VIDEO</c>: each stage's throughput measured on its own (decode, detection,
/// embedding at several batch sizes) and together (end-to-end replay), plus peak memory.
/// Figures, not assertions: the machines are shared, compare ratios within one run.
/// </summary>
public static class BenchCommand
{
    public static Command Create(Option<bool> verbose)
    {
        var input = new Argument<string>("video") { Description = "Video file to measure on" };
        var frames = new Option<int>("--frames") { Description = "Frames for the decode and end-to-end measurements", DefaultValueFactory = _ => 300 };
        var detectFrames = new Option<int>("--detect-frames") { Description = "Frames for the detector measurement", DefaultValueFactory = _ => 40 };
        var json = new Option<string>("--json") { Description = "Where to write the figures as JSON", DefaultValueFactory = _ => "bench.json" };
        var stages = new StageOptions();
        var command = new Command("bench", "Measure each stage's throughput and the end-to-end rate") { input, frames, detectFrames, json };
        stages.AddTo(command, withEvents: false);

        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(verbose), async (loggers, token) =>
        {
            var logger = loggers.CreateLogger("bench");
            string video = parse.GetValue(input)!;
            int n = parse.GetValue(frames), nDetect = parse.GetValue(detectFrames);
            if (n < 1 || nDetect < 1) throw new UserInputException("--frames and --detect-frames must be at least 1");
            var results = new Dictionary<string, object>
            {
                ["video"] = video,
                ["processorCount"] = Environment.ProcessorCount,
                ["machine"] = Environment.MachineName,
            };

            Report("decode", results["decodeFramesPerSecond"] = MeasureDecode(video, n), "frames/s");

            using (var detector = stages.CreateDetector(parse, 0, 1, logger))
            {
                results["detector"] = detector.Name;
                Report($"detect ({detector.Name}, 1 thread)", results["detectFramesPerSecond"] = MeasureDetect(video, detector, nDetect), "frames/s");
            }

            using (var embedder = stages.OpenEmbedder(parse, logger))
            {
                results["model"] = embedder.Metadata.Id;
                results["executionProvider"] = embedder.Provider;
                var perBatch = new Dictionary<string, double>();
                foreach (int batch in new[] { 1, 8, 32 })
                    Report($"embed batch {batch} ({embedder.Provider})", perBatch[batch.ToString(CultureInfo.InvariantCulture)] = MeasureEmbed(video, embedder, batch), "crops/s");
                results["embedCropsPerSecond"] = perBatch;

                string tmp = Directory.CreateTempSubdirectory("reid-bench-").FullName;
                try
                {
                    var summary = await MeasureReplayAsync(video, n, tmp, stages, parse, embedder, loggers, token);
                    Report("end-to-end replay", results["endToEndFramesPerSecond"] = summary.Throughput.EndToEndFps, "frames/s");
                    results["endToEnd"] = summary;
                }
                finally { Directory.Delete(tmp, recursive: true); }
            }

            var trackerCost = new Dictionary<string, double>();
            foreach (int people in new[] { 10, 50 })
                foreach (var (name, make) in new (string, Func<ITracker>)[] { ("byte", () => new ByteTracker(new ByteTrackerOptions())), ("iou", () => new IouTracker(new TrackerOptions())) })
                    Report($"tracker {name}, {people} people", trackerCost[$"{name}@{people}"] = MeasureTracker(make(), people), "ms/frame");
            results["trackerMillisecondsPerFrame"] = trackerCost;

            long peak = Process.GetCurrentProcess().PeakWorkingSet64;
            Report("peak RSS", results["peakRssMiB"] = Math.Round(peak / 1048576.0, 1), "MiB");
            string path = parse.GetValue(json)!;
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }), token);
            Console.WriteLine($"figures written to {Path.GetFullPath(path)}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static void Report(string what, object value, string unit) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-34} {value,10} {unit}"));

    private static double MeasureDecode(string video, int frames)
    {
        using var source = new VideoFileSource(video, "bench");
        var sw = Stopwatch.StartNew();
        int n = 0;
        while (n < frames && source.Read() is { } f) { f.Dispose(); n++; }
        return Math.Round(n / sw.Elapsed.TotalSeconds, 1);
    }

    private static double MeasureDetect(string video, ReId.Vision.Detectors.IDetector detector, int frames)
    {
        using var source = new VideoFileSource(video, "bench");
        var decoded = new List<Frame>();
        try
        {
            while (decoded.Count < frames && source.Read() is { } f) decoded.Add(f);
            detector.Detect(decoded[0]); // warm-up: first call allocates
            var sw = Stopwatch.StartNew();
            foreach (var f in decoded) detector.Detect(f);
            return Math.Round(decoded.Count / sw.Elapsed.TotalSeconds, 2);
        }
        finally { foreach (var f in decoded) f.Dispose(); }
    }

    /// <summary>Crops from a real frame on a grid of person-sized boxes (cost does not depend on content).</summary>
    private static double MeasureEmbed(string video, Embedder embedder, int batch)
    {
        using var source = new VideoFileSource(video, "bench");
        using var frame = source.Read()!;
        var crops = new List<Crop>();
        for (int i = 0; i < batch; i++)
        {
            float x = (i * 53) % Math.Max(1, frame.Width - 64), y = (i * 37) % Math.Max(1, frame.Height - 160);
            crops.Add(new Crop(frame.Image, new Box(x, y, 64, 160)));
        }
        embedder.Embed(crops); // warm-up: ORT allocates per shape on the first run
        int total = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 3 || total < 2 * batch)
        {
            embedder.Embed(crops);
            total += batch;
        }
        return Math.Round(total / sw.Elapsed.TotalSeconds, 1);
    }

    /// <summary>
    /// Tracker cost alone: <paramref name="people"/> simulated pedestrians walking across a 1920x1080
    /// frame with detector jitter, 10% missed detections and a few low-score boxes, for 600 frames.
    /// </summary>
    private static double MeasureTracker(ITracker tracker, int people)
    {
        var rng = new Random(42);
        var walkers = Enumerable.Range(0, people).Select(_ => (X: rng.NextSingle() * 1800, Y: rng.NextSingle() * 900,
            Vx: rng.NextSingle() * 6 - 3, Vy: rng.NextSingle() * 2 - 1, H: 80 + rng.NextSingle() * 120)).ToArray();
        const int frames = 600;
        var detections = new List<Detection>[frames];
        for (int f = 0; f < frames; f++)
        {
            detections[f] = [];
            for (int i = 0; i < walkers.Length; i++)
            {
                var w = walkers[i];
                w.X = (w.X + w.Vx + 1920) % 1920;
                w.Y = Math.Clamp(w.Y + w.Vy, 0, 1000);
                walkers[i] = w;
                if (rng.NextDouble() < 0.1) continue;
                float jitter() => (rng.NextSingle() - 0.5f) * 4;
                detections[f].Add(new Detection(new Box(w.X + jitter(), w.Y + jitter(), w.H * 0.4f, w.H), rng.NextSingle() < 0.15f ? 0.3f : 0.9f));
            }
        }
        var sw = Stopwatch.StartNew();
        for (int f = 0; f < frames; f++) tracker.Update(detections[f], f + 1);
        return Math.Round(sw.Elapsed.TotalMilliseconds / frames, 3);
    }

    private static async Task<ReplaySummary> MeasureReplayAsync(string video, int frames, string outDir, StageOptions stages,
        ParseResult parse, Embedder embedder, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger("bench");
        using var camera = new ReplayCamera(new VideoFileSource(video, "bench"), stages.CreateDetector(parse, 0, 1, logger));
        await using var gallery = new EmbeddedGallery(Path.Combine(outDir, "gallery.bin"));
        await gallery.EnsureReadyAsync(embedder.Dimension, ct);
        await using var sink = new JsonlEventSink(Path.Combine(outDir, "events.jsonl"), append: false);
        await sink.CheckReadyAsync(ct);
        var resolver = new IdentityResolver(gallery, stages.ResolverOptions(parse, embedder, logger), embedder.Metadata.Id, loggers.CreateLogger<IdentityResolver>());
        var settings = new ReplaySettings(outDir, frames, WriteVideo: true, "bench", stages.TrackerFactory(parse), stages.PipelineOptions(parse));
        return await new ReplayRunner([camera], embedder, gallery, sink, resolver, settings, logger).RunAsync(ct);
    }
}
