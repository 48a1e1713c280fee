using System.Net;
using ReId.Core.Events;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// `reid run` with the shared gallery going away and coming back (the gRPC Qdrant fake stopped and
/// restarted on its port): identities keep being decided, the worker stays ready (degraded), and the
/// exemplars added meanwhile reach Qdrant once it returns.
/// </summary>
public class RunQdrantOutageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-qdrant-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Identities_continue_while_qdrant_is_down_and_its_writes_are_replayed_when_it_returns()
    {
        await using var qdrant = new QdrantFake(RunningReid.FreePort());
        string url = await qdrant.StartAsync();
        const string collection = "run-outage";
        const string identified = "reid_events_published_total{camera=\"plaza\",type=\"track.identified\"}";
        string events = Path.Combine(_dir, "events.jsonl");
        using var reid = RunningReid.Start(_dir, new Dictionary<string, object?>
        {
            ["Cameras"] = RunningReid.LoopedCameras("plaza"),
            ["Events"] = new Dictionary<string, object?> { ["JsonlPath"] = events },
            ["Gallery"] = new Dictionary<string, object?>
            {
                ["Kind"] = "qdrant",
                ["Qdrant"] = new Dictionary<string, object?> { ["Url"] = url, ["Collection"] = collection },
            },
            ["Embedder"] = new Dictionary<string, object?> { ["MaxBatch"] = 8 },
        });
        await reid.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await reid.WaitMetricAsync(identified, v => v >= 1, TimeSpan.FromSeconds(60));

        long storedAtStop = await CountAsync(url, collection);
        Assert.True(storedAtStop >= 1, $"{storedAtStop} exemplar(s) in Qdrant after an identification:\n{reid.Output}");
        await qdrant.StopAsync();
        double atStop = await reid.MetricAsync(identified);
        // Decisions go on against the local cache; the worker stays in service (degraded, not unready).
        await reid.WaitMetricAsync(identified, v => v >= atStop + 2, TimeSpan.FromSeconds(60));
        var ready = await reid.GetAsync("/health/ready");
        Assert.True(ready.Status == HttpStatusCode.OK, ready.Body);
        Assert.Contains("Degraded", ready.Body);

        await qdrant.StartAsync();
        // Writes reach Qdrant again once it returns (queued ones first; ResilientGallery's tests check their order).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        long stored = storedAtStop;
        while (DateTime.UtcNow < deadline && (stored = await CountAsync(url, collection)) <= storedAtStop)
            await Task.Delay(500);
        Assert.True(stored > storedAtStop, $"Qdrant holds {stored} exemplars, no more than before the outage:\n{reid.Output}");

        int exit = reid.Terminate(TimeSpan.FromSeconds(40));
        Assert.True(exit == 0, $"exit {exit}:\n{reid.Output}");
        var written = RunningReid.ReadJsonl(events);
        Assert.All(written.Where(e => e.PersonId is not null), e => Assert.Contains(e.IdentityStatus, new[] { IdentityStatus.Provisional, IdentityStatus.Firm }));
        Assert.Equal(written.Count(e => e.Type == TrackEventType.Started), written.Count(e => e.Type == TrackEventType.Ended));
    }

    private static async Task<long> CountAsync(string url, string collection)
    {
        using var client = new Qdrant.Client.QdrantClient(new Uri(url));
        try { return (long)await client.CountAsync(collection, exact: true); }
        catch (Exception) { return -1; } // not reachable yet after a restart
    }
}
