using System.CommandLine;
using Microsoft.Extensions.Logging;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train synth --out DIR</c>: a synthetic re-ID dataset in the Market-1501 layout, so training
/// and evaluation can be run end to end without downloading (or being licensed for) a real dataset.
/// </summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var defaults = new SyntheticDatasetOptions();
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write bounding_box_train, bounding_box_test and query into", Required = true };
        var identities = new Option<int>("--identities") { Description = "People; the first half are for training, the rest for testing", DefaultValueFactory = _ => defaults.Identities };
        var images = new Option<int>("--images-per-identity") { Description = "Crops of each person, spread over the cameras", DefaultValueFactory = _ => defaults.ImagesPerIdentity };
        var cameras = new Option<int>("--cameras") { Description = "Cameras, each with its own background, colour cast and noise", DefaultValueFactory = _ => defaults.Cameras };
        var seed = new Option<int>("--seed") { Description = "The same seed writes the same images", DefaultValueFactory = _ => defaults.Seed };
        var height = new Option<int>("--height") { Description = "Crop height in pixels", DefaultValueFactory = _ => defaults.Height };
        var width = new Option<int>("--width") { Description = "Crop width in pixels", DefaultValueFactory = _ => defaults.Width };

        var command = new Command("synth",
            "Write a synthetic person re-ID dataset (Market-1501 layout) drawn with the scene renderer: per-camera " +
            "backgrounds and colour casts, varied pose and facing, occlusion, blur and noise")
        {
            output, identities, images, cameras, seed, height, width,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var logger = new TextWriterLogger(parse.InvocationConfiguration.Error, parse.GetValue(TrainerCli.Verbose));
            var options = new SyntheticDatasetOptions
            {
                Identities = parse.GetValue(identities),
                ImagesPerIdentity = parse.GetValue(images),
                Cameras = parse.GetValue(cameras),
                Seed = parse.GetValue(seed),
                Height = parse.GetValue(height),
                Width = parse.GetValue(width),
            };
            var s = SyntheticDataset.Write(options, parse.GetRequiredValue(output).FullName,
                line => logger.LogInformation("{Progress}", line));
            stdout.WriteLine($"wrote {s.Root}");
            stdout.WriteLine($"  train: {s.TrainIdentities} identities, {s.TrainImages} images");
            stdout.WriteLine($"  test: {s.TestIdentities} identities, {s.QueryImages} query, {s.GalleryImages} gallery images ({s.Distractors} distractors)");
            return 0;
        });
        return command;
    }
}
