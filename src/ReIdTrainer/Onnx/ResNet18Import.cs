using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Onnx;
using ReId.Core.Models;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Onnx;

public sealed record ResNet18ImportResult(
    string OutputPath, long SizeBytes, string Sha256, ModelMetadata Metadata,
    NetworkPreprocessing Preprocessing, ParityReport Parity);

/// <summary>
/// Source files -> converted model -> verified in ONNX Runtime -> written. The output path only
/// ever holds a model that passed verification: the candidate is written beside it first and
/// renamed over it afterwards.
/// </summary>
public static class ResNet18Import
{
    public static ResNet18ImportResult Run(ResNet18Source source, string outputPath, int height, int width, ILogger logger)
    {
        // CNTK exported its "same" padding as explicit asymmetric pads (1 before, 0 after) on the
        // stride-2 3x3 convs but none on the stride-2 1x1 shortcuts; both halve an even size alike,
        // but at an odd size they disagree by one and the residual Add fails in ONNX Runtime. A
        // multiple of the network's stride, 32, keeps every stage input even (some other sizes happen
        // to work too, but a crop size is chosen once, so the simple rule is the useful one).
        if (height < 32 || width < 32 || height % 32 != 0 || width % 32 != 0)
            throw new TrainerException($"input size {height}x{width} is not a multiple of 32, which this ResNet-18's padding requires; pass --height and --width as multiples of 32 (e.g. 256 and 128)");
        string outFull = Path.GetFullPath(outputPath);
        if (Directory.Exists(outFull))
            throw new TrainerException($"--out '{outputPath}' is a directory; pass a file path such as models/resnet18-imagenet-reid-baseline.onnx");

        logger.LogInformation("Reading {Network} and {Preprocess}", source.NetworkPath, source.PreprocessPath);
        var prep = ResNetPreprocessInspector.Inspect(source.LoadPreprocess(), source.PreprocessPath);
        var (model, metadata) = ResNet18Importer.Convert(source.LoadNetwork(), source.NetworkPath, prep, height, width);

        Directory.CreateDirectory(Path.GetDirectoryName(outFull)!);
        string candidate = $"{outFull}.{Environment.ProcessId}.partial";
        try
        {
            using (var stream = File.Create(candidate))
                model.WriteTo(stream);
            var parity = ResNet18Verifier.Verify(source, candidate, metadata, logger);
            if (!parity.Passed)
                throw new TrainerException(
                    $"verification of the converted model failed ({string.Join("; ", parity.Failures)}); nothing was written to '{outputPath}'. Check that --source-dir holds the files of {ResNet18Source.PackageId} {ResNet18Source.PackageVersion}");
            File.Move(candidate, outFull, overwrite: true);
            return new ResNet18ImportResult(outFull, new FileInfo(outFull).Length, Sha256(outFull), metadata, prep, parity);
        }
        finally
        {
            if (File.Exists(candidate)) File.Delete(candidate);
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
