namespace ReId.Trainer.Tests.Export;

public sealed class ExportedModelDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("reid-export-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
