using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Qdrant.Client.Grpc;
using ReId.Core.Gallery;
using ReId.Core.Identity;
using ReId.TestSupport;

namespace ReId.Gallery.Tests;

/// <summary>
/// The resilient gallery against real faults: the gRPC Qdrant fake stopped mid-use and started again on
/// the same port, a Qdrant that is down at start-up, and one that answers every search with an error.
/// </summary>
public sealed class ResilientGalleryTests
{
    private const int Dimension = 16;
    private const string Model = "reid-test-model@1";
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(15);
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 15, 0, 0, TimeSpan.Zero);

    /// <summary>Short breaks and timeouts so a test sees several circuit cycles in seconds.</summary>
    private static readonly ResilientGalleryOptions Fast = new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(1),
        RetryAttempts = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MinimumThroughput = 2,
        SamplingDuration = TimeSpan.FromSeconds(5),
        BreakDuration = TimeSpan.FromMilliseconds(500),
    };

    private readonly string _collection = "reid-resilient-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Qdrant_going_away_leaves_searches_answering_from_the_cache_and_queued_writes_arrive_in_order_when_it_returns()
    {
        await using var fake = new RecordingQdrant();
        string url = await fake.StartAsync();
        var log = new ListLogger();
        using var metrics = new GalleryMetrics();
        await using var gallery = new ResilientGallery(QdrantStores.Open(url, _collection), Fast, log);
        await gallery.EnsureReadyAsync(Dimension, default);
        Assert.False(gallery.IsDegraded);
        var random = new Random(31);

        // Known before the outage: one exemplar this worker added, one another worker added and this one fetched.
        Exemplar alice = NewExemplar("alice", random);
        await gallery.AddAsync(alice, default);
        Exemplar bob = NewExemplar("bob", random);
        await using (IGallery otherWorker = QdrantStores.Open(url, _collection))
        {
            await otherWorker.EnsureReadyAsync(Dimension, default);
            await otherWorker.AddAsync(bob, default);
        }
        GallerySearchResult fetched = await gallery.SearchWithStatusAsync(Query(bob.Embedding), default);
        Assert.False(fetched.Degraded);
        Assert.Equal(bob.Id, Assert.Single(fetched.Matches).Exemplar.Id);

        await fake.StopAsync();

        GallerySearchResult aliceWhileDown = await gallery.SearchWithStatusAsync(Query(alice.Embedding), default);
        Assert.True(aliceWhileDown.Degraded);
        Assert.Equal(alice.Id, Assert.Single(aliceWhileDown.Matches).Exemplar.Id);
        Assert.True(gallery.IsDegraded);
        GallerySearchResult bobWhileDown = await gallery.SearchWithStatusAsync(Query(bob.Embedding), default);
        Assert.True(bobWhileDown.Degraded);
        Assert.Equal(bob.Id, Assert.Single(bobWhileDown.Matches).Exemplar.Id);
        Assert.Equal(1.0, bobWhileDown.Matches[0].Similarity, 1e-5);

        // Writes made during the outage: applied to the cache at once, queued for Qdrant in order.
        Exemplar carol1 = NewExemplar("carol", random), carol2 = NewExemplar("carol", random);
        await gallery.AddAsync(carol1, default);
        await gallery.AddAsync(carol2, default);
        await gallery.RemoveAsync([alice.Id], default);
        Assert.Equal(3, gallery.QueuedWrites);
        Assert.Equal(new[] { carol1.Id, carol2.Id }.Order(), (await gallery.GetExemplarsAsync("carol", default)).Select(e => e.Id).Order());
        GallerySearchResult carolWhileDown = await gallery.SearchWithStatusAsync(Query(carol2.Embedding), default);
        Assert.True(carolWhileDown.Degraded);
        Assert.Equal(carol2.Id, carolWhileDown.Matches[0].Exemplar.Id);
        Assert.Empty((await gallery.SearchWithStatusAsync(Query(alice.Embedding), default)).Matches);

        Assert.Equal(url, await fake.StartAsync());
        await WaitUntilRecovered(gallery);

        // Replayed in the order they were made, and only once.
        Assert.Equal([$"upsert {carol1.Id}", $"upsert {carol2.Id}", $"delete {alice.Id}"], fake.WritesSinceRestart);
        Assert.False(gallery.IsDegraded);
        Assert.Equal(0, gallery.QueuedWrites);
        GallerySearchResult carolAfter = await gallery.SearchWithStatusAsync(Query(carol1.Embedding), default);
        Assert.False(carolAfter.Degraded);
        Assert.Equal(carol1.Id, carolAfter.Matches[0].Exemplar.Id);
        await using (IGallery otherWorker = QdrantStores.Open(url, _collection))
        {
            await otherWorker.EnsureReadyAsync(Dimension, default);
            Assert.Equal(3, await otherWorker.CountAsync(default)); // bob, carol1, carol2
            Assert.Empty(await otherWorker.GetExemplarsAsync("alice", default));
        }
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("replayed 3 queued write(s) in order"));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unreachable while searching"));
        Assert.True(metrics.Sum("reid.gallery.degraded_searches", gallery) >= 4);
        Assert.True(metrics.Sum("reid.gallery.errors", gallery) >= 1);
        Assert.Equal(3, metrics.Sum("reid.gallery.writes.replayed", gallery));
        Assert.True(metrics.Count("reid.gallery.call.duration", gallery) > 0);
    }

    [Fact]
    public async Task A_worker_starts_degraded_with_Qdrant_down_decides_provisionally_and_catches_up_when_it_starts()
    {
        int port = FreePort();
        await using var fake = new RecordingQdrant(port);
        var log = new ListLogger();
        await using var gallery = new ResilientGallery(QdrantStores.Open(fake.UrlBeforeStart, _collection), Fast, log);

        await gallery.EnsureReadyAsync(Dimension, default); // does not throw: the worker starts

        Assert.True(gallery.IsDegraded);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unreachable at start"));
        var resolver = new IdentityResolver(gallery, new IdentityResolverOptions(), Model, NullLogger.Instance);
        float[] tracklet = TestVectors.RandomUnit(new Random(41), Dimension);
        IdentityDecision first = await resolver.ResolveAsync(tracklet, [], "seed-1", default);
        Assert.True(first.IsNew);
        Assert.True(first.Degraded);
        await resolver.AddExemplarAsync(first.PersonId, tracklet, "cam-1", Now, default);
        Assert.Equal(1, gallery.QueuedWrites);

        // The same person again on another camera, still offline: found in the local cache.
        float[] again = TestVectors.AtCosine(tracklet, 0.9, new Random(42));
        IdentityDecision second = await resolver.ResolveAsync(again, [], "seed-2", default);
        Assert.Equal(first.PersonId, second.PersonId);
        Assert.True(second.Degraded);

        await fake.StartAsync();
        await WaitUntilRecovered(gallery);

        // The collection was created on recovery and the queued exemplar replayed into it.
        var stored = Assert.Single(fake.WritesSinceRestart);
        Assert.StartsWith("upsert ", stored);
        IdentityDecision third = await resolver.ResolveAsync(again, [], "seed-3", default);
        Assert.Equal(first.PersonId, third.PersonId);
        Assert.False(third.Degraded);
        IdentityReconsideration firm = await resolver.ReconsiderWithStatusAsync(again, first.PersonId, [], default);
        Assert.Null(firm.Better);
        Assert.False(firm.Degraded);
    }

    [Fact]
    public async Task An_open_circuit_keeps_calls_away_from_a_failing_Qdrant_and_probes_it_again_after_the_break()
    {
        await using var fake = new FailingSearchQdrant();
        string url = await fake.StartAsync();
        var options = Fast with { BreakDuration = TimeSpan.FromSeconds(1) };
        await using var gallery = new ResilientGallery(QdrantStores.Open(url, _collection), options);
        await gallery.EnsureReadyAsync(Dimension, default);
        Exemplar alice = NewExemplar("alice", new Random(51));
        await gallery.AddAsync(alice, default);

        fake.Failing = true;
        var clock = Stopwatch.StartNew();
        int searches = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            GallerySearchResult result = await gallery.SearchWithStatusAsync(Query(alice.Embedding), default);
            Assert.True(result.Degraded);
            Assert.Equal(alice.Id, Assert.Single(result.Matches).Exemplar.Id);
            searches++;
            await Task.Delay(2);
        }
        TimeSpan elapsed = clock.Elapsed;
        int calls = fake.SearchCalls;

        // The circuit opens after MinimumThroughput failed attempts (the retries of the search that
        // opens it are refused without a call). After each break the gallery probes again; this server
        // answers the probe's preparation (health, collection) and fails only searches, so each break
        // costs at most another MinimumThroughput failed searches before the circuit opens again.
        // Hundreds of searches reach the server only that often.
        int breaks = (int)(elapsed / options.BreakDuration);
        int allowed = options.MinimumThroughput * (breaks + 1) + options.RetryAttempts;
        Assert.True(calls <= allowed, $"{calls} calls reached the server for {searches} searches in {elapsed} (allowed {allowed})");
        Assert.True(searches > 5 * allowed, $"only {searches} searches ran in {elapsed}");
        // The circuit did probe again after a break (more calls than it took to open it).
        Assert.True(calls > options.MinimumThroughput, $"no probe after the break: {calls} calls");

        fake.Failing = false;
        await WaitUntilRecovered(gallery);
        GallerySearchResult healthy = await gallery.SearchWithStatusAsync(Query(alice.Embedding), default);
        Assert.False(healthy.Degraded);
        Assert.Equal(alice.Id, Assert.Single(healthy.Matches).Exemplar.Id);
    }

    [Fact]
    public async Task A_full_write_queue_drops_the_oldest_writes_counts_and_logs_them_and_keeps_the_rest_in_order()
    {
        await using var fake = new RecordingQdrant();
        string url = await fake.StartAsync();
        var log = new ListLogger();
        using var metrics = new GalleryMetrics();
        await using var gallery = new ResilientGallery(QdrantStores.Open(url, _collection), Fast with { MaxQueuedWrites = 3 }, log);
        await gallery.EnsureReadyAsync(Dimension, default);
        await fake.StopAsync();

        var random = new Random(61);
        Exemplar[] made = Enumerable.Range(0, 5).Select(i => NewExemplar($"person-{i}", random)).ToArray();
        made[4] = made[4] with { SeenAt = Now.AddDays(-10) };
        foreach (Exemplar e in made)
            await gallery.AddAsync(e, default);
        Assert.Equal(0, await gallery.PurgeSeenBeforeAsync(Now.AddDays(-30), default));
        Assert.Equal(1, await gallery.PurgeSeenBeforeAsync(Now.AddDays(-7), default));

        // Three adds and one purge (the later cutoff covers the earlier one) wait; the cache kept all
        // five but the purged one.
        Assert.Equal(4, gallery.QueuedWrites);
        Assert.Equal(2, metrics.Sum("reid.gallery.writes.dropped", gallery));
        Assert.Single(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("write queue") && e.Message.Contains("is full (3 writes)"));
        foreach (Exemplar e in made.Take(4))
            Assert.Equal(e.Id, Assert.Single((await gallery.SearchWithStatusAsync(Query(e.Embedding), default)).Matches).Exemplar.Id);
        Assert.Empty((await gallery.SearchWithStatusAsync(Query(made[4].Embedding), default)).Matches);

        await fake.StartAsync();
        await WaitUntilRecovered(gallery);

        Assert.Equal(made.Skip(2).Select(e => $"upsert {e.Id}").Append("delete by filter"), fake.WritesSinceRestart);
        Assert.Equal(2, await gallery.CountAsync(default)); // made[2], made[3]: made[4] was purged after its replay
        Assert.Contains(log.Entries, e => e.Message.Contains("replayed 4 queued write(s) in order (2 dropped while the queue was full)"));
    }

    [Fact]
    public async Task The_cache_evicts_the_exemplar_least_recently_added_or_fetched()
    {
        await using var fake = new QdrantFake();
        string url = await fake.StartAsync();
        await using var gallery = new ResilientGallery(QdrantStores.Open(url, _collection), Fast with { CacheCapacity = 3 });
        await gallery.EnsureReadyAsync(Dimension, default);
        var random = new Random(71);
        Exemplar a = NewExemplar("a", random), b = NewExemplar("b", random), c = NewExemplar("c", random), d = NewExemplar("d", random);
        foreach (Exemplar e in new[] { a, b, c })
            await gallery.AddAsync(e, default);
        // Fetching a renews it: b is now the least recently added or fetched.
        Assert.False((await gallery.SearchWithStatusAsync(Query(a.Embedding), default)).Degraded);

        await fake.StopAsync();
        await gallery.AddAsync(d, default);

        Assert.Equal(3, gallery.CachedExemplars);
        foreach (Exemplar kept in new[] { a, c, d })
        {
            GallerySearchResult found = await gallery.SearchWithStatusAsync(Query(kept.Embedding), default);
            Assert.True(found.Degraded);
            Assert.Equal(kept.Id, Assert.Single(found.Matches).Exemplar.Id);
        }
        Assert.Empty((await gallery.SearchWithStatusAsync(Query(b.Embedding), default)).Matches);
    }

    [Fact]
    public async Task A_Qdrant_of_another_dimension_still_fails_start_up_with_the_fix()
    {
        await using var fake = new QdrantFake();
        string url = await fake.StartAsync();
        await using (IGallery first = QdrantStores.Open(url, _collection))
            await first.EnsureReadyAsync(Dimension, default);
        await using var gallery = new ResilientGallery(QdrantStores.Open(url, _collection), Fast);

        var refused = await Assert.ThrowsAsync<GalleryUnavailableException>(() => gallery.EnsureReadyAsync(Dimension * 2, default));

        Assert.Contains($"holds {Dimension}-d vectors but the model makes {Dimension * 2}-d", refused.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => gallery.CountAsync(default));
    }

    [Fact]
    public async Task The_resolver_over_a_plain_gallery_never_decides_degraded()
    {
        string directory = Directory.CreateTempSubdirectory("reid-gallery-").FullName;
        try
        {
            await using var gallery = new EmbeddedGallery(Path.Combine(directory, "plain.gallery"));
            await gallery.EnsureReadyAsync(Dimension, default);
            var resolver = new IdentityResolver(gallery, new IdentityResolverOptions(), Model, NullLogger.Instance);
            float[] tracklet = TestVectors.RandomUnit(new Random(81), Dimension);

            IdentityDecision first = await resolver.ResolveAsync(tracklet, [], "seed-1", default);
            await resolver.AddExemplarAsync(first.PersonId, tracklet, "cam-1", Now, default);
            IdentityDecision again = await resolver.ResolveAsync(TestVectors.AtCosine(tracklet, 0.9, new Random(82)), [], "seed-2", default);
            IdentityReconsideration reconsidered = await resolver.ReconsiderWithStatusAsync(tracklet, first.PersonId, [], default);

            Assert.False(first.Degraded);
            Assert.Equal(first.PersonId, again.PersonId);
            Assert.False(again.Degraded);
            Assert.Null(reconsidered.Better);
            Assert.False(reconsidered.Degraded);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Settings_outside_their_range_are_refused_naming_the_setting()
    {
        var refused = Assert.Throws<ArgumentException>(() =>
            new ResilientGallery(QdrantStores.Open("http://127.0.0.1:1", _collection), new ResilientGalleryOptions { MaxQueuedWrites = 0 }));
        Assert.Equal("gallery resilience setting MaxQueuedWrites must be at least 1 (got 0) (Parameter 'MaxQueuedWrites')", refused.Message);
    }

    private static GalleryQuery Query(float[] embedding) => new(embedding, Model, 5, 0.8f);

    private static Exemplar NewExemplar(string personId, Random random) =>
        new(Guid.NewGuid(), personId, TestVectors.RandomUnit(random, Dimension), "cam-1", Now, Model);

    /// <summary>Like a worker's timer would: asks the gallery to recover until it has (bounded).</summary>
    private static async Task WaitUntilRecovered(ResilientGallery gallery)
    {
        var clock = Stopwatch.StartNew();
        while (!await gallery.TryRecoverAsync(default))
        {
            if (clock.Elapsed > RecoveryBound)
                throw new TimeoutException($"still degraded after {RecoveryBound} ({gallery.QueuedWrites} queued, circuit {gallery.Circuit})");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Records the writes it serves since its latest start, in the order served.</summary>
    private sealed class RecordingQdrant : QdrantFake
    {
        private readonly List<string> _writes = [];
        private readonly int _port;

        public RecordingQdrant(int port = 0) : base(port) => _port = port;

        public string UrlBeforeStart => $"http://127.0.0.1:{_port}";

        public IReadOnlyList<string> WritesSinceRestart { get { lock (_writes) return _writes.ToList(); } }

        public new async Task<string> StartAsync(CancellationToken ct = default)
        {
            lock (_writes)
                _writes.Clear();
            return await base.StartAsync(ct);
        }

        public override Task<PointsOperationResponse> PointsUpsert(UpsertPoints request, ServerCallContext context)
        {
            lock (_writes)
                _writes.AddRange(request.Points.Select(p => $"upsert {p.Id.Uuid}"));
            return base.PointsUpsert(request, context);
        }

        public override Task<PointsOperationResponse> PointsDelete(DeletePoints request, ServerCallContext context)
        {
            lock (_writes)
            {
                if (request.Points.PointsSelectorOneOfCase == PointsSelector.PointsSelectorOneOfOneofCase.Points)
                    _writes.AddRange(request.Points.Points.Ids.Select(id => $"delete {id.Uuid}"));
                else
                    _writes.Add("delete by filter");
            }
            return base.PointsDelete(request, context);
        }
    }

    /// <summary>Up, but answering every search with Unavailable while <see cref="Failing"/>; counts searches served.</summary>
    private sealed class FailingSearchQdrant : QdrantFake
    {
        private int _searchCalls;
        public volatile bool Failing;

        public int SearchCalls => Volatile.Read(ref _searchCalls);

        public override Task<QueryResponse> PointsQuery(QueryPoints request, ServerCallContext context)
        {
            if (!Failing)
                return base.PointsQuery(request, context);
            Interlocked.Increment(ref _searchCalls);
            throw new RpcException(new Status(StatusCode.Unavailable, "overloaded (test fault)"));
        }
    }

    /// <summary>Collects the ReId.Gallery meter's measurements, per gallery (tests run side by side).</summary>
    private sealed class GalleryMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, string? Gallery, double Value)> _measurements = [];

        public GalleryMetrics()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ResilientGallery.MeterName)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
            _listener.Start();
        }

        public double Sum(string instrument, ResilientGallery gallery) => Of(instrument, gallery).Sum();

        public int Count(string instrument, ResilientGallery gallery) => Of(instrument, gallery).Count();

        private IEnumerable<double> Of(string instrument, ResilientGallery gallery)
        {
            lock (_measurements)
                return _measurements.Where(m => m.Instrument == instrument && gallery.Describe.StartsWith(m.Gallery + " ", StringComparison.Ordinal))
                    .Select(m => m.Value).ToList();
        }

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? gallery = null;
            foreach (var tag in tags)
                if (tag.Key == "gallery")
                    gallery = tag.Value as string;
            lock (_measurements)
                _measurements.Add((instrument.Name, gallery, value));
        }

        public void Dispose() => _listener.Dispose();
    }
}
