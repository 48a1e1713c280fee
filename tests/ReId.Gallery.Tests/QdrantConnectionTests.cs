using System.Diagnostics;
using Grpc.Core;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using ReId.Core.Gallery;
using ReId.TestSupport;

namespace ReId.Gallery.Tests;

/// <summary>How the Qdrant gallery behaves when Qdrant is missing, slow, refusing or restarting.</summary>
public sealed class QdrantConnectionTests
{
    private const int Dimension = 8;

    [Fact]
    public async Task An_unreachable_Qdrant_fails_fast_with_one_line_naming_the_fix()
    {
        await using IGallery gallery = QdrantStores.Open("http://127.0.0.1:1", "reid-persons");
        var clock = Stopwatch.StartNew();

        var refused = await Assert.ThrowsAsync<GalleryUnavailableException>(() => gallery.EnsureReadyAsync(Dimension, default));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.StartsWith("Qdrant at 'http://127.0.0.1:1' is unreachable (", refused.Message);
        Assert.EndsWith("); check --qdrant or start Qdrant", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public async Task A_Qdrant_that_does_not_answer_in_time_is_reported_as_unreachable()
    {
        await using var fake = new HangingQdrant();
        string url = await fake.StartAsync();
        await using var gallery = new QdrantGallery(new QdrantGalleryOptions
        {
            Url = url, ConnectTimeout = TimeSpan.FromMilliseconds(300),
        });
        var clock = Stopwatch.StartNew();

        var refused = await Assert.ThrowsAsync<GalleryUnavailableException>(() => gallery.EnsureReadyAsync(Dimension, default));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Equal($"Qdrant at '{url}' is unreachable (no answer within 0.3 s); check --qdrant or start Qdrant", refused.Message);
    }

    [Fact]
    public async Task A_refused_API_key_is_reported_as_such()
    {
        await using var fake = new KeyCheckingQdrant();
        string url = await fake.StartAsync();
        await using IGallery gallery = QdrantStores.Open(url, "reid-persons", apiKey: "wrong");

        var refused = await Assert.ThrowsAsync<GalleryUnavailableException>(() => gallery.EnsureReadyAsync(Dimension, default));

        Assert.Equal($"Qdrant at '{url}' refused the API key (Invalid api-key); check --qdrant-api-key", refused.Message);
    }

    [Theory]
    [InlineData("localhost:6334")]
    [InlineData("ftp://localhost:6334")]
    [InlineData("")]
    public void A_malformed_address_is_refused_before_connecting(string url)
    {
        var refused = Assert.Throws<GalleryUnavailableException>(() => QdrantStores.Open(url, "reid-persons"));
        Assert.Equal($"Qdrant URL '{url}' is not an http(s) address; pass e.g. --qdrant http://localhost:6334", refused.Message);
    }

    [Fact]
    public async Task A_restarted_Qdrant_is_used_again_with_its_data()
    {
        await using var fake = new QdrantFake();
        string url = await fake.StartAsync();
        await using IGallery gallery = QdrantStores.Open(url, "reid-persons");
        await gallery.EnsureReadyAsync(Dimension, default);
        float[] embedding = TestVectors.RandomUnit(new Random(1), Dimension);
        await gallery.AddAsync(new Exemplar(Guid.NewGuid(), "alice", embedding, "cam-1", DateTimeOffset.UtcNow, "m@1"), default);
        var query = new GalleryQuery(embedding, "m@1", 1, 0.5f);

        await fake.StopAsync();
        var down = await Assert.ThrowsAsync<GalleryUnavailableException>(() => gallery.SearchAsync(query, default));
        Assert.StartsWith($"Qdrant at '{url}' is unreachable (searching: ", down.Message);

        Assert.Equal(url, await fake.StartAsync());
        // Like any gRPC client, the gallery reconnects on its backoff schedule, not at once.
        var clock = Stopwatch.StartNew();
        IReadOnlyList<GalleryMatch>? found = null;
        while (found is null)
        {
            try
            {
                found = await gallery.SearchAsync(query, default);
            }
            catch (GalleryUnavailableException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal("alice", Assert.Single(found).PersonId);
    }

    [Fact]
    public async Task The_fake_refuses_what_it_does_not_implement_instead_of_answering_wrongly()
    {
        await using var fake = new QdrantFake();
        using var client = new QdrantClient(new Uri(await fake.StartAsync()));

        var euclid = await Assert.ThrowsAsync<RpcException>(() =>
            client.CreateCollectionAsync("euclid", new VectorParams { Size = 4, Distance = Distance.Euclid }));
        Assert.Equal(StatusCode.Unimplemented, euclid.StatusCode);

        await client.CreateCollectionAsync("points", new VectorParams { Size = 4, Distance = Distance.Cosine });
        var textMatch = await Assert.ThrowsAsync<RpcException>(() =>
            client.CountAsync("points", new Filter { Must = { Conditions.MatchText("person_id", "ali") } }));
        Assert.Equal(StatusCode.Unimplemented, textMatch.StatusCode);

        var missing = await Assert.ThrowsAsync<RpcException>(() => client.CountAsync("no-such-collection"));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>Accepts connections but never answers the health check, like a wedged server.</summary>
    private sealed class HangingQdrant : QdrantFake
    {
        public override async Task<HealthCheckReply> HealthCheck(HealthCheckRequest request, ServerCallContext context)
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            throw new UnreachableException();
        }
    }

    /// <summary>Refuses every call as Qdrant does when the api-key header is wrong.</summary>
    private sealed class KeyCheckingQdrant : QdrantFake
    {
        public override Task<HealthCheckReply> HealthCheck(HealthCheckRequest request, ServerCallContext context) =>
            context.RequestHeaders.GetValue("api-key") == "right"
                ? base.HealthCheck(request, context)
                : throw new RpcException(new Status(StatusCode.Unauthenticated, "Invalid api-key"));
    }
}
