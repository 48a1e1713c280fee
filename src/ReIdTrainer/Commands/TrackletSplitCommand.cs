using System.CommandLine;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train tracklet-split --tracklets DIR --eval-from-frame N --out DIR</c>: tracklets mined by
/// <c>reid replay --export-tracklets</c> become a Market-1501 folder whose training part (frames
/// before N) adapts a model to the site and whose query/gallery part (frames from N on) measures it,
/// without labels. See docs/site-adaptation.md.
/// </summary>
public static class TrackletSplitCommand
{
    public static Command Create()
    {
        var tracklets = new Option<DirectoryInfo>("--tracklets") { Description = "Folder written by `reid replay --export-tracklets`", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "New folder for bounding_box_train, query and bounding_box_test", Required = true };
        var evalFrom = new Option<long>("--eval-from-frame") { Description = "Crops of earlier frames are for training, crops of this frame and later for evaluation", Required = true };
        var minTrain = new Option<int>("--min-train-crops") { Description = "Crops a tracklet needs before the split frame to be trained on", DefaultValueFactory = _ => 4 };
        var minHalf = new Option<int>("--min-half-crops") { Description = "Crops each half (query, gallery) of an evaluation tracklet needs", DefaultValueFactory = _ => 2 };

        var command = new Command("tracklet-split",
            "Split exported tracklets by time into a training set and a query/gallery proxy evaluation (later half of each tracklet vs the earlier halves of all)")
        {
            tracklets, output, evalFrom, minTrain, minHalf,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            string source = parse.GetRequiredValue(tracklets).FullName;
            if (!Directory.Exists(source))
                throw new TrainerException($"--tracklets '{source}' does not exist; pass the folder given to `reid replay --export-tracklets`");
            string outDir = parse.GetRequiredValue(output).FullName;
            var s = TrackletSplit.Write(source, outDir, parse.GetValue(evalFrom), parse.GetValue(minTrain), parse.GetValue(minHalf));
            stdout.WriteLine($"wrote {outDir}");
            stdout.WriteLine($"  train (frames < {s.EvalFromFrame}): {s.TrainTracklets} tracklets, {s.TrainImages} images");
            stdout.WriteLine($"  eval (frames >= {s.EvalFromFrame}): {s.EvalTracklets} tracklets, {s.QueryImages} query (later halves), {s.GalleryImages} gallery (earlier halves)");
            stdout.WriteLine($"  skipped {s.SkippedTracklets} tracklet(s) too short on both sides");
            return 0;
        });
        return command;
    }
}
