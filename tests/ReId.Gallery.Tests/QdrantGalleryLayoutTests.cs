using Qdrant.Client;
using Qdrant.Client.Grpc;
using ReId.Core.Gallery;

namespace ReId.Gallery.Tests;

/// <summary>
/// What the Qdrant gallery leaves in Qdrant, read back with the plain Qdrant client: downstream
/// tools and other workers rely on this layout, not only on the <see cref="IGallery"/> contract.
/// </summary>
public abstract class QdrantGalleryLayoutTests : IAsyncLifetime
{
    private const int Dimension = 8;
    private readonly string _collection = "reid-test-" + Guid.NewGuid().ToString("N")[..12];

    protected abstract string Url { get; }
    protected virtual string? ApiKey => null;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => QdrantStores.DeleteAsync(Url, ApiKey, [_collection]);

    [GalleryFact]
    public async Task Points_carry_the_documented_payload_and_the_collection_its_indexes()
    {
        await using IGallery gallery = QdrantStores.Open(Url, _collection, ApiKey);
        await gallery.EnsureReadyAsync(Dimension, default);
        var exemplar = new Exemplar(
            Guid.NewGuid(), "person-7", TestVectors.RandomUnit(new Random(1), Dimension), "gate-2",
            new DateTimeOffset(2025, 6, 1, 12, 0, 0, 250, TimeSpan.FromHours(2)), "osnet@3");
        await gallery.AddAsync(exemplar, default);

        using QdrantClient client = QdrantStores.Client(Url, ApiKey);
        RetrievedPoint point = Assert.Single((await client.ScrollAsync(_collection, payloadSelector: true)).Result);
        Assert.Equal(exemplar.Id.ToString(), point.Id.Uuid);
        Assert.Equal("person-7", point.Payload["person_id"].StringValue);
        Assert.Equal("gate-2", point.Payload["camera_id"].StringValue);
        Assert.Equal(exemplar.SeenAt.ToUnixTimeMilliseconds(), point.Payload["seen_at"].IntegerValue);
        Assert.Equal("2025-06-01T10:00:00.250Z", point.Payload["seen_at_iso"].StringValue);
        Assert.Equal("osnet@3", point.Payload["model_version"].StringValue);

        CollectionInfo info = await client.GetCollectionInfoAsync(_collection);
        Assert.Equal((ulong)Dimension, info.Config.Params.VectorsConfig.Params.Size);
        Assert.Equal(Distance.Cosine, info.Config.Params.VectorsConfig.Params.Distance);
        Assert.Equal(PayloadSchemaType.Keyword, info.PayloadSchema["person_id"].DataType);
        Assert.Equal(PayloadSchemaType.Keyword, info.PayloadSchema["model_version"].DataType);
        Assert.Equal(PayloadSchemaType.Integer, info.PayloadSchema["seen_at"].DataType);
    }

    [GalleryFact]
    public async Task A_second_worker_reuses_the_collection_without_recreating_it()
    {
        await using IGallery first = QdrantStores.Open(Url, _collection, ApiKey);
        await first.EnsureReadyAsync(Dimension, default);
        await first.AddAsync(new Exemplar(Guid.NewGuid(), "person-1", TestVectors.RandomUnit(new Random(2), Dimension),
            "cam-1", DateTimeOffset.UtcNow, "osnet@3"), default);

        await using IGallery second = QdrantStores.Open(Url, _collection, ApiKey);
        await second.EnsureReadyAsync(Dimension, default);

        Assert.Equal(1, await second.CountAsync(default));
    }

    [GalleryFact]
    public async Task A_collection_compared_by_another_distance_is_refused()
    {
        using (QdrantClient client = QdrantStores.Client(Url, ApiKey))
            await client.CreateCollectionAsync(_collection, new VectorParams { Size = Dimension, Distance = Distance.Dot });

        await using IGallery gallery = QdrantStores.Open(Url, _collection, ApiKey);
        var refused = await Assert.ThrowsAsync<GalleryUnavailableException>(() => gallery.EnsureReadyAsync(Dimension, default));

        Assert.Equal(
            $"Qdrant collection '{_collection}' at '{Url.TrimEnd('/')}' compares vectors by Dot, the gallery needs Cosine; " +
            "pass another --qdrant-collection",
            refused.Message);
    }

    [GalleryFact]
    public async Task Describe_names_the_server_and_the_collection()
    {
        await using IGallery gallery = QdrantStores.Open(Url + "/", _collection, ApiKey);
        Assert.Equal($"qdrant:{Url.TrimEnd('/')}/{_collection}", gallery.Describe);
    }
}

public sealed class QdrantFakeGalleryLayoutTests(QdrantFakeServer server)
    : QdrantGalleryLayoutTests, IClassFixture<QdrantFakeServer>
{
    protected override string Url => server.Url;
}

[SkipUnlessEnvironment(RealQdrant.UrlVariable, RealQdrant.SkipReason)]
public sealed class RealQdrantGalleryLayoutTests : QdrantGalleryLayoutTests
{
    protected override string Url => RealQdrant.Url;
    protected override string? ApiKey => RealQdrant.ApiKey;
}
