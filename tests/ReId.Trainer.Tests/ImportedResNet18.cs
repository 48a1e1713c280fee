using Microsoft.Extensions.Logging.Abstractions;
using ReIdTrainer.Onnx;

namespace ReId.Trainer.Tests;

/// <summary>One import per test class: converting and verifying the 64 MB network takes seconds.</summary>
public sealed class ImportedResNet18 : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("reid-resnet18-").FullName;
    public ResNet18Source Source { get; } = ResNet18Source.Locate(null);
    public ResNet18ImportResult Result { get; }
    public string ModelPath => Result.OutputPath;

    public ImportedResNet18()
    {
        Result = ResNet18Import.Run(Source, Path.Combine(Directory, "baseline.onnx"), 256, 128, NullLogger.Instance);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
