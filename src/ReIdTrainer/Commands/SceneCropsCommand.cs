using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train scene-crops --scene DIR... --out DIR</c>: labelled crops cut from synthetic scenes
/// (<c>reid synth-scene</c>) by their ground truth, in the Market-1501 layout, to train on people as the
/// worker sees them (perspective, neighbours, camera colour casts, compression).
/// </summary>
public static class SceneCropsCommand
{
    public static Command Create()
    {
        var d = new SceneCropsOptions();
        var scenes = new Option<DirectoryInfo[]>("--scene") { Description = "Scene folders written by `reid synth-scene` (repeat, or list several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "New folder for bounding_box_train, query and bounding_box_test", Required = true };
        var testScenes = new Option<int>("--test-scenes") { Description = "The last this many scenes give the query/gallery split instead of training", DefaultValueFactory = _ => d.TestScenes };
        var every = new Option<int>("--every") { Description = "Frames between two crops of one person in one camera", DefaultValueFactory = _ => d.Every };
        var maxPerCamera = new Option<int>("--max-per-camera") { Description = "Crops of one person in one camera at most, spread over the visit", DefaultValueFactory = _ => d.MaxPerCamera };
        var minVisibility = new Option<float>("--min-visibility") { Description = "Skip boxes whose person is less visible than this (gt.txt visibility): their crop shows someone else", DefaultValueFactory = _ => d.MinVisibility };
        var minHeight = new Option<int>("--min-height") { Description = "Skip boxes shorter than this (pixels)", DefaultValueFactory = _ => d.MinHeight };

        var command = new Command("scene-crops",
            "Cut labelled person crops (Market-1501 layout) from synthetic scenes by their ground truth: each (scene, person) is one identity")
        {
            scenes, output, testScenes, every, maxPerCamera, minVisibility, minHeight,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var logger = new TextWriterLogger(parse.InvocationConfiguration.Error, parse.GetValue(TrainerCli.Verbose));
            var options = new SceneCropsOptions(parse.GetValue(testScenes), parse.GetValue(every), parse.GetValue(maxPerCamera),
                parse.GetValue(minVisibility), parse.GetValue(minHeight));
            string outDir = parse.GetRequiredValue(output).FullName;
            var s = SceneCrops.Write(parse.GetRequiredValue(scenes).Select(x => x.FullName).ToList(), outDir, options,
                line => logger.LogInformation("{Progress}", line));
            stdout.WriteLine($"wrote {outDir} from {s.Scenes} scene(s)");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  train: {s.TrainIdentities} identities, {s.TrainImages} images"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  test: {s.TestIdentities} identities, {s.QueryImages} query, {s.GalleryImages} gallery images"));
            return 0;
        });
        return command;
    }
}
