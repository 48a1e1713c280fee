namespace ReId.Trainer.Tests.Data;

/// <summary>
/// A throw-away dataset folder. Parsers only read file names, so images are empty files.
/// </summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Root);

    public string Root { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reid-trainer-tests-" + Guid.NewGuid().ToString("N"));

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public TempFolder Files(string folder, params string[] names)
    {
        Directory.CreateDirectory(Path(folder));
        foreach (string name in names) File.WriteAllBytes(Path(folder, name), []);
        return this;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
