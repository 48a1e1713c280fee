using ReId.Core.Gallery;

namespace ReId.Gallery.Tests;

public sealed class EmbeddedGalleryContractTests : GalleryContractTests, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("reid-gallery-").FullName;

    protected override IGallery Open(string store) => new EmbeddedGallery(Path.Combine(_directory, store + ".gallery"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
