using Qdrant.Client;
using ReId.Core.Gallery;
using ReId.TestSupport;

namespace ReId.Gallery.Tests;

/// <summary>One in-process Qdrant fake per test class; each test uses its own collections.</summary>
public sealed class QdrantFakeServer : IAsyncLifetime
{
    public QdrantFake Fake { get; } = new();

    public string Url => Fake.Url;

    public Task InitializeAsync() => Fake.StartAsync();

    public Task DisposeAsync() => Fake.StopAsync();
}

/// <summary>A real Qdrant named by QDRANT_GRPC_URL (and QDRANT_API_KEY when it needs one).</summary>
internal static class RealQdrant
{
    public const string UrlVariable = "QDRANT_GRPC_URL";
    public const string SkipReason = "QDRANT_GRPC_URL not set: no real Qdrant server here";

    public static string Url => Environment.GetEnvironmentVariable(UrlVariable)
        ?? throw new InvalidOperationException(SkipReason);

    public static string? ApiKey => Environment.GetEnvironmentVariable("QDRANT_API_KEY") is { Length: > 0 } key ? key : null;
}

internal static class QdrantStores
{
    public static IGallery Open(string url, string collection, string? apiKey = null) =>
        new QdrantGallery(new QdrantGalleryOptions { Url = url, Collection = collection, ApiKey = apiKey });

    public static QdrantClient Client(string url, string? apiKey = null) => new(new Uri(url), apiKey);

    public static async Task DeleteAsync(string url, string? apiKey, IEnumerable<string> collections)
    {
        using QdrantClient client = Client(url, apiKey);
        foreach (string collection in collections)
            if (await client.CollectionExistsAsync(collection))
                await client.DeleteCollectionAsync(collection);
    }
}
