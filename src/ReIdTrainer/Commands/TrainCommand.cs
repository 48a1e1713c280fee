using System.CommandLine;
using System.Globalization;
using ReIdTrainer.Cli;
using ReIdTrainer.Losses;
using ReIdTrainer.Training;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train train --data DIR --out DIR</c>: trains an embedding network, writing a checkpoint
/// per epoch, history.csv and, at the end, model.onnx checked for parity with the trained weights.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var d = new TrainingOptions();
        var data = new Option<DirectoryInfo>("--data") { Description = "Training data: Market-1501 layout (validation needs its query/gallery) or one folder per identity", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for checkpoints, history.csv and model.onnx", Required = true };
        var backbone = new Option<string>("--backbone") { Description = "light (fast, small) or resnet18 (ImageNet-initialised when the packaged weights are found)", DefaultValueFactory = _ => "light" };
        backbone.AcceptOnlyFromAmong("light", "resnet18");
        var epochs = new Option<int>("--epochs") { Description = "Epochs; with --resume, the total to reach", DefaultValueFactory = _ => d.Epochs };
        var p = new Option<int>("--p") { Description = "Identities per batch", DefaultValueFactory = _ => d.IdentitiesPerBatch };
        var k = new Option<int>("--k") { Description = "Images per identity in a batch", DefaultValueFactory = _ => d.ImagesPerIdentity };
        var height = new Option<int>("--height") { Description = "Input height in pixels", DefaultValueFactory = _ => d.Height };
        var width = new Option<int>("--width") { Description = "Input width in pixels", DefaultValueFactory = _ => d.Width };
        var lr = new Option<double>("--lr") { Description = "Peak AdamW learning rate (after warm-up, before cosine decay)", DefaultValueFactory = _ => d.LearningRate };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay", DefaultValueFactory = _ => d.WeightDecay };
        var margin = new Option<string>("--margin") { Description = "Triplet margin, or 'soft' for the softplus soft margin", DefaultValueFactory = _ => d.Margin!.Value.ToString(CultureInfo.InvariantCulture) };
        var mining = new Option<TripletMining>("--mining") { Description = "Triplet mining: BatchHard, BatchAll or SemiHard", DefaultValueFactory = _ => d.Mining };
        var distance = new Option<DistanceMetric>("--distance") { Description = "Triplet distance: Euclidean, SquaredEuclidean or Cosine", DefaultValueFactory = _ => d.Distance };
        var idWeight = new Option<double>("--id-loss-weight") { Description = "Weight of the identity (cross-entropy, label smoothing 0.1) loss on the BN feature; 0 for triplet only", DefaultValueFactory = _ => d.IdLossWeight };
        var seed = new Option<int>("--seed") { Description = "Seeds initialisation, sampling and augmentation", DefaultValueFactory = _ => d.Seed };
        var noAugment = new Option<bool>("--no-augment") { Description = "Train on the images as they are (no flip, crop, colour jitter or erasing)" };
        var resume = new Option<FileInfo?>("--resume") { Description = "Continue from a checkpoint-epochNNN.pt; its options win except --epochs and --validate-every" };
        var init = new Option<FileInfo?>("--init") { Description = "Start from the network of a checkpoint-epochNNN.pt (+ its .json), e.g. the shipped default, with a new classifier, optimizer and schedule: fine-tuning on your own data or tracklets. --backbone, --height and --width default to the checkpoint's" };
        var validateEvery = new Option<int>("--validate-every") { Description = "Export and evaluate on query/gallery every N epochs and after the last (0: never)", DefaultValueFactory = _ => 0 };

        var command = new Command("train", "Train a re-ID embedding network (PK batches, triplet + identity loss with BNNeck, AdamW) and export it to ONNX")
        {
            data, output, backbone, epochs, p, k, height, width, lr, weightDecay, margin, mining, distance, idWeight, seed, noAugment, resume, init, validateEvery,
        };
        command.SetAction((parse, cancel) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var logger = new TextWriterLogger(parse.InvocationConfiguration.Error, parse.GetValue(TrainerCli.Verbose));
            string marginText = parse.GetValue(margin)!;
            float? marginValue = marginText.Equals("soft", StringComparison.OrdinalIgnoreCase) ? null
                : float.TryParse(marginText, NumberStyles.Float, CultureInfo.InvariantCulture, out float m) ? m
                : throw new TrainerException($"--margin '{marginText}' is neither a number nor 'soft'");
            // With --init, the network's shape comes from the checkpoint unless given: a site
            // fine-tuning the shipped model should not have to know how it was built.
            string? initPath = parse.GetValue(init)?.FullName;
            var shipped = initPath is null ? null : TrainingCheckpoint.Read(initPath).Options;
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            var options = new TrainingOptions
            {
                Backbone = shipped is not null && !Given(backbone) ? shipped.Backbone
                    : parse.GetValue(backbone) == "resnet18" ? BackboneKind.ResNet18 : BackboneKind.Light,
                Epochs = parse.GetValue(epochs),
                IdentitiesPerBatch = parse.GetValue(p),
                ImagesPerIdentity = parse.GetValue(k),
                Height = shipped is not null && !Given(height) ? shipped.Height : parse.GetValue(height),
                Width = shipped is not null && !Given(width) ? shipped.Width : parse.GetValue(width),
                LearningRate = parse.GetValue(lr),
                WeightDecay = parse.GetValue(weightDecay),
                Margin = marginValue,
                Mining = parse.GetValue(mining),
                Distance = parse.GetValue(distance),
                IdLossWeight = parse.GetValue(idWeight),
                Seed = parse.GetValue(seed),
                Augment = !parse.GetValue(noAugment),
                ValidateEvery = parse.GetValue(validateEvery),
            };
            var result = Trainer.Run(options, parse.GetRequiredValue(data).FullName, parse.GetRequiredValue(output).FullName,
                logger, stdout, parse.GetValue(resume)?.FullName, cancel, initPath);
            stdout.WriteLine($"wrote {result.ModelPath}");
            stdout.WriteLine($"last checkpoint {result.LastCheckpoint}");
            return Task.FromResult(0);
        });
        return command;
    }
}
