using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ReIdTrainer.Cli;
using ReIdTrainer.Onnx;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train import-resnet18 --out PATH</c>: the baseline embedding model, an ImageNet
/// ResNet-18 made batchable, L2-normalised and self-describing, used until a re-ID-trained model
/// replaces it.
/// </summary>
public static class ImportResNet18Command
{
    public static Command Create()
    {
        var output = new Option<FileInfo>("--out")
        {
            Description = "Where to write the converted .onnx model",
            Required = true,
        };
        var height = new Option<int>("--height")
        {
            Description = "Crop height recorded in the model metadata, a multiple of 32 (the model accepts any multiple of 32)",
            DefaultValueFactory = _ => 256,
        };
        var width = new Option<int>("--width")
        {
            Description = "Crop width recorded in the model metadata, a multiple of 32",
            DefaultValueFactory = _ => 128,
        };
        var sourceDir = new Option<DirectoryInfo?>("--source-dir")
        {
            Description = $"Folder holding {ResNet18Source.NetworkFile} and {ResNet18Source.PreprocessFile} " +
                          $"(default: the copy built next to reid-train from package {ResNet18Source.PackageId})",
        };

        var command = new Command("import-resnet18",
            "Convert the ImageNet ResNet-18 of package Microsoft.ML.DnnImageFeaturizer.ResNet18 into a batchable, " +
            "L2-normalised embedding model with its preprocessing in the metadata, verified against the original")
        {
            output, height, width, sourceDir,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var logger = new TextWriterLogger(parse.InvocationConfiguration.Error, parse.GetValue(TrainerCli.Verbose));
            var source = ResNet18Source.Locate(parse.GetValue(sourceDir)?.FullName);
            var result = ResNet18Import.Run(source, parse.GetRequiredValue(output).FullName,
                parse.GetValue(height), parse.GetValue(width), logger);
            Print(result, stdout);
            return 0;
        });
        return command;
    }

    private static void Print(ResNet18ImportResult r, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        var m = r.Metadata;
        var p = r.Parity;
        o.WriteLine($"wrote {r.OutputPath}");
        o.WriteLine(string.Create(c, $"  size {r.SizeBytes} bytes, sha256 {r.Sha256}"));
        o.WriteLine(string.Create(c, $"  model {m.Id}, input '{m.InputName}' [batch,3,height,width] (nominal {m.InputHeight}x{m.InputWidth}), output 'embedding' [batch,{m.EmbeddingDim}] L2-normalised"));
        o.WriteLine(string.Create(c, $"  preprocessing {m.ChannelOrder}, scale {m.PixelScale}, mean {string.Join(",", m.Mean.Select(v => v.ToString("F4", c)))}, std {string.Join(",", m.Std)}"));
        o.WriteLine(string.Create(c, $"  mean image spread around those means (std per channel) {string.Join(",", r.Preprocessing.MeanImageSpatialStd.Select(v => v.ToString("F2", c)))}"));
        o.WriteLine(string.Create(c, $"  parity vs original network (224x224, {p.ParityImages} images): max |diff| {p.NetworkMaxAbsDiff:G3} (limit {ResNet18Verifier.Tolerance:G1})"));
        o.WriteLine(string.Create(c, $"  metadata preprocessing vs original mean-image pipeline: min cosine {p.PreprocessingMinCosine:F5}"));
        o.WriteLine(string.Create(c, $"  {p.Height}x{p.Width}: batch 1 and {p.BatchSize} ok, batch vs single max |diff| {p.BatchMaxAbsDiff:G3}, max | |e|-1 | {p.MaxNormError:G3}"));
    }
}
