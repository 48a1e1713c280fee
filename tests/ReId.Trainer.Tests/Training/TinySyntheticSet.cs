using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Training;

/// <summary>
/// 16 training and 16 held-out identities x 8 crops in 4 cameras at 64x32: small enough to train
/// on in seconds, hard enough (clutter, occlusion, camera casts) that an untrained net ranks poorly.
/// </summary>
public sealed class TinySyntheticSet : IDisposable
{
    public const int Height = 64, Width = 32, TrainIdentities = 16;

    public TinySyntheticSet()
    {
        Root = Directory.CreateTempSubdirectory("reid-train-tiny-").FullName;
        Data = Path.Combine(Root, "data");
        SyntheticDataset.Write(new SyntheticDatasetOptions
        {
            Identities = 2 * TrainIdentities, ImagesPerIdentity = 8, Cameras = 4, Seed = 3, Height = Height, Width = Width,
        }, Data);
    }

    public string Root { get; }
    public string Data { get; }

    public string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
