using System.CommandLine;
using System.Globalization;
using OpenCvSharp;
using ReId.Vision.Synthetic;

namespace ReIdWorker.Cli;

/// <summary>
/// <c>reid synth-scene --out DIR</c>: renders a synthetic multi-camera scene with exact ground truth
/// (per-camera videos, MOTChallenge gt.txt, cross-camera identities), the repeatable testbed for
/// tracking and re-identification: the same seed always gives the same files. The cameras are synchronised
/// and every video carries the scene's start time as its modification time, so a replay of the scene
/// without --start-time sees them in step.
/// </summary>
public static class SynthSceneCommand
{
    public static Command Create(Option<bool> verbose)
    {
        var output = new Option<string>("--out", "-o") { Required = true, Description = "Folder for <camera>/video.avi, <camera>/gt/gt.txt and identities.json" };
        var cameras = new Option<int>("--cameras") { Description = "Number of cameras along the walkway", DefaultValueFactory = _ => 2 };
        var people = new Option<int>("--people") { Description = "Number of people walking", DefaultValueFactory = _ => 8 };
        var frames = new Option<int>("--frames") { Description = "Frames per camera", DefaultValueFactory = _ => 300 };
        var fps = new Option<double>("--fps") { Description = "Frame rate", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same scene", DefaultValueFactory = _ => 1 };
        var width = new Option<int>("--width") { Description = "Frame width in pixels", DefaultValueFactory = _ => 640 };
        var height = new Option<int>("--height") { Description = "Frame height in pixels", DefaultValueFactory = _ => 480 };
        var preview = new Option<int?>("--preview-frame") { Description = "Also write <camera>/preview.png: this frame (1-based) with its ground-truth boxes" };
        var startTime = new Option<string?>("--start-time")
        {
            Description = "ISO 8601 wall-clock time of frame 1 in every camera (default " + SceneGenerator.DefaultStartTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                + "). Recorded in identities.json as startTime and given to every video as its modification time, so `reid replay` of the scene gets synchronised cameras without --start-time",
        };
        var command = new Command("synth-scene", "Render a synthetic multi-camera scene with MOTChallenge ground truth and cross-camera identities; "
            + "its cameras are synchronised, and replays of the scene see them so (every video's modification time is the scene's start)")
        {
            output, cameras, people, frames, fps, seed, width, height, preview, startTime,
        };

        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(verbose), (_, token) =>
        {
            var options = new SceneOptions
            {
                Cameras = parse.GetValue(cameras),
                People = parse.GetValue(people),
                Frames = parse.GetValue(frames),
                Fps = parse.GetValue(fps),
                Seed = parse.GetValue(seed),
                Width = parse.GetValue(width),
                Height = parse.GetValue(height),
            };
            if (options.Validate() is { } problem) throw new UserInputException($"synth-scene: {problem}");
            int? previewFrame = parse.GetValue(preview);
            if (previewFrame is { } p && (p < 1 || p > options.Frames))
                throw new UserInputException($"--preview-frame {p}: pick a frame from 1 to {options.Frames}");
            string outDir = parse.GetValue(output)!;
            if (File.Exists(outDir)) throw new UserInputException($"--out {outDir} is a file; pass a folder");
            var start = ParseStartTime(parse.GetValue(startTime));

            var result = SceneGenerator.Write(options, outDir, Console.WriteLine, token, start);
            if (previewFrame is { } frame) WritePreviews(options, outDir, frame);

            Console.WriteLine($"synthetic scene (seed {options.Seed}, {options.Cameras} cameras, {options.People} people, {options.Frames} frames at {options.Fps} fps, {options.Width}x{options.Height}) in {Path.GetFullPath(outDir)}:");
            foreach (var c in result.Cameras)
                Console.WriteLine($"  {Path.GetRelativePath(outDir, c.Video)}, {Path.GetRelativePath(outDir, c.GroundTruth)} ({c.People} people, {c.Rows} rows)");
            Console.WriteLine($"  {Path.GetRelativePath(outDir, result.Identities)} (appearances and cross-camera identities)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  cameras synchronised: frame 1 at {result.StartTime:yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'} (the videos' modification time, which `reid replay` uses when --start-time is not given)"));
            if (result.OverlappingCameras.Count > 0)
                Console.WriteLine($"  overlapping views (one person in two cameras at once): replay with --overlapping-cameras {string.Join(' ', result.OverlappingCameras)}");
            if (previewFrame is not null)
                Console.WriteLine($"  <camera>/preview.png (frame {previewFrame} with ground-truth boxes)");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return command;
    }

    private static DateTimeOffset? ParseStartTime(string? text)
    {
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return t;
        throw new UserInputException($"--start-time '{text}' is not an ISO 8601 time; use e.g. 2026-01-01T09:00:00Z");
    }

    private static void WritePreviews(SceneOptions options, string outDir, int frame)
    {
        using var scene = new Scene(options);
        foreach (var cam in scene.Cameras)
        {
            using var rendered = scene.Render(cam.Index, frame);
            foreach (var b in rendered.Boxes)
            {
                Cv2.Rectangle(rendered.Image, b.Box, Scalar.LimeGreen, 1);
                Cv2.PutText(rendered.Image, $"{b.PersonId} v{b.Visibility:0.00}", new Point(b.Box.X, Math.Max(10, b.Box.Y - 3)),
                    HersheyFonts.HersheySimplex, 0.4, Scalar.LimeGreen, 1, LineTypes.AntiAlias);
            }
            string path = Path.Combine(outDir, cam.Id, "preview.png");
            if (!Cv2.ImWrite(path, rendered.Image)) throw new IOException($"could not write '{path}'; check the folder is writable");
        }
    }
}
