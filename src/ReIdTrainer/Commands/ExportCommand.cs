using System.CommandLine;
using System.Globalization;
using ReIdTrainer.Cli;
using ReIdTrainer.Onnx;
using ReIdTrainer.Training;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train export --checkpoint CKPT --out FILE.onnx</c>: any epoch's checkpoint as an ONNX
/// model, refused unless the graph matches the TorchSharp weights.
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "A checkpoint-epochNNN.pt written by reid-train train (its .json must lie beside it)", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The .onnx file to write", Required = true };
        var version = new Option<string?>("--model-version") { Description = "reid.model_version to record (default: eEPOCH-seedSEED); the gallery keeps exemplars of different versions apart, so give every released model its own" };
        var threshold = new Option<float?>("--match-threshold") { Description = "Calibrated cosine similarity above which the worker calls two tracklets one person (reid.match_threshold; default: not recorded, the worker then uses 0.75)" };
        var command = new Command("export", "Export a training checkpoint to ONNX (with a parity check against the TorchSharp model)")
        {
            checkpoint, output, version, threshold,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var logger = new TextWriterLogger(parse.InvocationConfiguration.Error, parse.GetValue(TrainerCli.Verbose));
            string weights = parse.GetRequiredValue(checkpoint).FullName;
            var c = TrainingCheckpoint.Read(weights);
            using var model = c.LoadModel(weights);
            var metadata = Trainer.Metadata(c.Options, c.TrainingData, c.History);
            if (parse.GetValue(version) is { Length: > 0 } v) metadata = metadata with { ModelVersion = v };
            if (parse.GetValue(threshold) is { } t)
                metadata = t is > 0f and < 1f ? metadata with { MatchThreshold = t }
                    : throw new TrainerException(string.Create(CultureInfo.InvariantCulture, $"--match-threshold {t} is not a cosine similarity in (0, 1)"));
            var result = OnnxExporter.Export(model.Net, metadata, parse.GetRequiredValue(output).FullName, logger);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {result.OutputPath} ({result.Metadata.Id}, epoch {c.Epoch}; parity max |diff| {result.MaxAbsDiff:G3} over {result.ParitySamples} inputs)"));
            return 0;
        });
        return command;
    }
}
