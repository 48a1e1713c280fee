using ReId.Core.Gallery;

namespace ReId.Gallery.Tests;

/// <summary>
/// While Qdrant answers, the resilient gallery must behave exactly like the gallery it wraps: the whole
/// contract, over Qdrant's real gRPC protocol served by the in-process fake.
/// </summary>
public sealed class ResilientGalleryContractTests(QdrantFakeServer server)
    : GalleryContractTests, IClassFixture<QdrantFakeServer>
{
    protected override IGallery Open(string store) =>
        new ResilientGallery(QdrantStores.Open(server.Url, store), new ResilientGalleryOptions());

    protected override Task DeleteStoresAsync(IReadOnlyCollection<string> stores) =>
        QdrantStores.DeleteAsync(server.Url, null, stores);
}
