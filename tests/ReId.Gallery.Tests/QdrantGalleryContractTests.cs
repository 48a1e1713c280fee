using ReId.Core.Gallery;

namespace ReId.Gallery.Tests;

/// <summary>The contract over Qdrant's real gRPC protocol, served by the in-process fake.</summary>
public sealed class QdrantFakeGalleryContractTests(QdrantFakeServer server)
    : GalleryContractTests, IClassFixture<QdrantFakeServer>
{
    protected override IGallery Open(string store) => QdrantStores.Open(server.Url, store);

    protected override Task DeleteStoresAsync(IReadOnlyCollection<string> stores) =>
        QdrantStores.DeleteAsync(server.Url, null, stores);
}

/// <summary>The same contract against a real Qdrant, when one is configured; reported as skipped otherwise.</summary>
[SkipUnlessEnvironment(RealQdrant.UrlVariable, RealQdrant.SkipReason)]
public sealed class RealQdrantGalleryContractTests : GalleryContractTests
{
    protected override IGallery Open(string store) => QdrantStores.Open(RealQdrant.Url, store, RealQdrant.ApiKey);

    protected override Task DeleteStoresAsync(IReadOnlyCollection<string> stores) =>
        QdrantStores.DeleteAsync(RealQdrant.Url, RealQdrant.ApiKey, stores);
}
