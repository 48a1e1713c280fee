using System.CommandLine;
using OpenCvSharp;
using ReId.Vision.Synthetic;

namespace ReIdWorker.Cli;

/// <summary>
/// <c>reid synth-scene --out DIR</c>: renders a synthetic multi-camera scene with exact ground truth
/// (per-camera videos, MOTChallenge gt.txt, cross-camera identities), the repeatable testbed for
/// tracking and re-identification: the same seed always gives the same files.
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
        var command = new Command("synth-scene", "Render a synthetic multi-camera scene with MOTChallenge ground truth and cross-camera identities")
        {
            output, cameras, people, frames, fps, seed, width, height, preview,
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

            var result = SceneGenerator.Write(options, outDir, Console.WriteLine, token);
            if (previewFrame is { } frame) WritePreviews(options, outDir, frame);

            Console.WriteLine($"synthetic scene (seed {options.Seed}, {options.Cameras} cameras, {options.People} people, {options.Frames} frames at {options.Fps} fps, {options.Width}x{options.Height}) in {Path.GetFullPath(outDir)}:");
            foreach (var c in result.Cameras)
                Console.WriteLine($"  {Path.GetRelativePath(outDir, c.Video)}, {Path.GetRelativePath(outDir, c.GroundTruth)} ({c.People} people, {c.Rows} rows)");
            Console.WriteLine($"  {Path.GetRelativePath(outDir, result.Identities)} (appearances and cross-camera identities)");
            if (previewFrame is not null)
                Console.WriteLine($"  <camera>/preview.png (frame {previewFrame} with ground-truth boxes)");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return command;
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
