using ReId.Core.Gallery;

namespace ReId.Gallery.Tests;

/// <summary>
/// What every <see cref="IGallery"/> must do, whichever store is behind it. Each subclass runs the
/// whole suite against one implementation; a behaviour that differs between stores fails here.
/// </summary>
public abstract class GalleryContractTests : IAsyncLifetime
{
    protected const int Dimension = 32;
    protected const string Model = "reid-test-model@1";

    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<IGallery> _opened = [];
    private readonly HashSet<string> _stores = [];

    /// <summary>Opens the store called <paramref name="store"/>; the same name reaches the same stored data.</summary>
    protected abstract IGallery Open(string store);

    /// <summary>Removes what the tests stored, so a long-lived server does not fill up with test data.</summary>
    protected virtual Task DeleteStoresAsync(IReadOnlyCollection<string> stores) => Task.CompletedTask;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (IGallery gallery in _opened)
            await gallery.DisposeAsync();
        await DeleteStoresAsync(_stores);
    }

    [GalleryFact]
    public async Task Nearest_exemplars_agree_with_brute_force()
    {
        var random = new Random(11);
        IGallery gallery = await OpenReadyAsync();
        var stored = new List<Exemplar>();
        for (int i = 0; i < 300; i++)
        {
            // Magnitudes vary on purpose: similarity is cosine, not dot product of raw vectors.
            var exemplar = NewExemplar($"person-{i % 60}", TestVectors.Scaled(TestVectors.RandomUnit(random, Dimension), 0.5f + i % 7));
            stored.Add(exemplar);
            await gallery.AddAsync(exemplar, default);
        }

        var queries = Enumerable.Range(0, 10).Select(_ => TestVectors.RandomUnit(random, Dimension))
            .Concat(stored.Take(10).Select(e => TestVectors.AtCosine(Unit(e.Embedding), 0.9, random)));
        foreach (float[] query in queries)
        {
            const int k = 5;
            IReadOnlyList<GalleryMatch> found = await gallery.SearchAsync(new GalleryQuery(query, Model, k, -1f), default);

            var expected = stored.Select(e => TestVectors.Cosine(query, e.Embedding)).OrderDescending().Take(k).ToList();
            Assert.Equal(k, found.Count);
            for (int rank = 0; rank < k; rank++)
            {
                // Scores are compared rank by rank, so exact ties cannot make a correct answer fail.
                Assert.Equal(expected[rank], found[rank].Similarity, 1e-4);
                Exemplar truth = stored.Single(e => e.Id == found[rank].Exemplar.Id);
                Assert.Equal(TestVectors.Cosine(query, truth.Embedding), found[rank].Similarity, 1e-4);
            }
        }
    }

    [GalleryFact]
    public async Task Matches_below_the_threshold_are_never_returned()
    {
        var random = new Random(12);
        IGallery gallery = await OpenReadyAsync();
        float[] query = TestVectors.RandomUnit(random, Dimension);
        double[] cosines = [0.95, 0.85, 0.75, 0.6, 0.3, -0.2];
        for (int i = 0; i < cosines.Length; i++)
            await gallery.AddAsync(NewExemplar($"person-{i}", TestVectors.AtCosine(query, cosines[i], random)), default);

        IReadOnlyList<GalleryMatch> above07 = await gallery.SearchAsync(new GalleryQuery(query, Model, 10, 0.7f), default);
        Assert.Equal(["person-0", "person-1", "person-2"], above07.Select(m => m.PersonId));
        Assert.Equal(cosines.Take(3), above07.Select(m => (double)m.Similarity), new Tolerance(1e-4));

        IReadOnlyList<GalleryMatch> above09 = await gallery.SearchAsync(new GalleryQuery(query, Model, 10, 0.9f), default);
        Assert.Equal(["person-0"], above09.Select(m => m.PersonId));

        Assert.Empty(await gallery.SearchAsync(new GalleryQuery(query, Model, 10, 0.99f), default));

        IReadOnlyList<GalleryMatch> limited = await gallery.SearchAsync(new GalleryQuery(query, Model, 2, -1f), default);
        Assert.Equal(["person-0", "person-1"], limited.Select(m => m.PersonId));
    }

    [GalleryFact]
    public async Task Only_exemplars_of_the_query_model_version_match()
    {
        var random = new Random(13);
        IGallery gallery = await OpenReadyAsync();
        float[] vector = TestVectors.RandomUnit(random, Dimension);
        await gallery.AddAsync(NewExemplar("seen-by-v1", vector, model: "model@1"), default);
        await gallery.AddAsync(NewExemplar("seen-by-v2", vector, model: "model@2"), default);
        await gallery.AddAsync(NewExemplar("near-by-v1", TestVectors.AtCosine(vector, 0.8, random), model: "model@1"), default);

        IReadOnlyList<GalleryMatch> v2 = await gallery.SearchAsync(new GalleryQuery(vector, "model@2", 10, -1f), default);
        Assert.Equal(["seen-by-v2"], v2.Select(m => m.PersonId));
        Assert.Equal("model@2", v2[0].Exemplar.ModelVersion);

        IReadOnlyList<GalleryMatch> v1 = await gallery.SearchAsync(new GalleryQuery(vector, "model@1", 10, -1f), default);
        Assert.Equal(["seen-by-v1", "near-by-v1"], v1.Select(m => m.PersonId));

        Assert.Empty(await gallery.SearchAsync(new GalleryQuery(vector, "model@3", 10, -1f), default));
    }

    [GalleryFact]
    public async Task Excluded_persons_are_skipped()
    {
        var random = new Random(14);
        IGallery gallery = await OpenReadyAsync();
        float[] query = TestVectors.RandomUnit(random, Dimension);
        await gallery.AddAsync(NewExemplar("alice", TestVectors.AtCosine(query, 0.95, random)), default);
        await gallery.AddAsync(NewExemplar("alice", TestVectors.AtCosine(query, 0.93, random)), default);
        await gallery.AddAsync(NewExemplar("bob", TestVectors.AtCosine(query, 0.9, random)), default);
        await gallery.AddAsync(NewExemplar("carol", TestVectors.AtCosine(query, 0.85, random)), default);

        IReadOnlyList<GalleryMatch> withoutAlice =
            await gallery.SearchAsync(new GalleryQuery(query, Model, 10, -1f, ["alice"]), default);
        Assert.Equal(["bob", "carol"], withoutAlice.Select(m => m.PersonId));

        IReadOnlyList<GalleryMatch> best =
            await gallery.SearchAsync(new GalleryQuery(query, Model, 1, -1f, ["alice", "bob", "nobody"]), default);
        Assert.Equal(["carol"], best.Select(m => m.PersonId));

        IReadOnlyList<GalleryMatch> all = await gallery.SearchAsync(new GalleryQuery(query, Model, 10, -1f, []), default);
        Assert.Equal(["alice", "alice", "bob", "carol"], all.Select(m => m.PersonId));
    }

    [GalleryFact]
    public async Task Exemplars_read_back_per_person_and_can_be_removed()
    {
        var random = new Random(15);
        IGallery gallery = await OpenReadyAsync();
        Exemplar[] alice =
        [
            NewExemplar("alice", TestVectors.Scaled(TestVectors.RandomUnit(random, Dimension), 3f), "cam-1", Now.AddMinutes(-30)),
            NewExemplar("alice", TestVectors.RandomUnit(random, Dimension), "cam-2", Now.AddMinutes(-20)),
            NewExemplar("alice", TestVectors.RandomUnit(random, Dimension), "cam-3", Now.AddMinutes(-10).AddMilliseconds(123)),
        ];
        Exemplar bob = NewExemplar("bob", TestVectors.RandomUnit(random, Dimension), "cam-1", Now);
        foreach (Exemplar exemplar in alice.Append(bob))
            await gallery.AddAsync(exemplar, default);

        IReadOnlyList<Exemplar> readBack = await gallery.GetExemplarsAsync("alice", default);
        Assert.Equal(alice.Select(e => e.Id), readBack.Select(e => e.Id));
        for (int i = 0; i < alice.Length; i++)
        {
            Assert.Equal("alice", readBack[i].PersonId);
            Assert.Equal(alice[i].CameraId, readBack[i].CameraId);
            Assert.Equal(alice[i].SeenAt, readBack[i].SeenAt);
            Assert.Equal(Model, readBack[i].ModelVersion);
            // Stored vectors come back unit length: Qdrant normalises cosine collections, and so does the embedded store.
            Assert.Equal(Unit(alice[i].Embedding), readBack[i].Embedding, new Tolerance(1e-5));
        }
        Assert.Empty(await gallery.GetExemplarsAsync("nobody", default));

        await gallery.RemoveAsync([alice[0].Id, alice[2].Id, Guid.NewGuid()], default);
        await gallery.RemoveAsync([], default);

        Assert.Equal([alice[1].Id], (await gallery.GetExemplarsAsync("alice", default)).Select(e => e.Id));
        Assert.Equal(2, await gallery.CountAsync(default));
        IReadOnlyList<GalleryMatch> found = await gallery.SearchAsync(new GalleryQuery(alice[0].Embedding, Model, 10, -1f), default);
        Assert.DoesNotContain(found, m => m.Exemplar.Id == alice[0].Id || m.Exemplar.Id == alice[2].Id);
        Assert.Equal(2, found.Count);
    }

    [GalleryFact]
    public async Task Adding_an_exemplar_id_again_replaces_it()
    {
        var random = new Random(16);
        IGallery gallery = await OpenReadyAsync();
        Exemplar first = NewExemplar("alice", TestVectors.RandomUnit(random, Dimension));
        Exemplar replacement = first with { PersonId = "bob", Embedding = TestVectors.RandomUnit(random, Dimension), CameraId = "cam-9" };

        await gallery.AddAsync(first, default);
        await gallery.AddAsync(replacement, default);

        Assert.Equal(1, await gallery.CountAsync(default));
        Assert.Empty(await gallery.GetExemplarsAsync("alice", default));
        Exemplar stored = Assert.Single(await gallery.GetExemplarsAsync("bob", default));
        Assert.Equal("cam-9", stored.CameraId);
        Assert.Equal(replacement.Embedding, stored.Embedding, new Tolerance(1e-5));
    }

    [GalleryFact]
    public async Task Purge_forgets_exemplars_seen_before_the_cutoff()
    {
        var random = new Random(17);
        IGallery gallery = await OpenReadyAsync();
        Exemplar[] exemplars =
        [
            NewExemplar("alice", TestVectors.RandomUnit(random, Dimension), seenAt: Now.AddDays(-30)),
            NewExemplar("bob", TestVectors.RandomUnit(random, Dimension), seenAt: Now.AddDays(-8)),
            NewExemplar("carol", TestVectors.RandomUnit(random, Dimension), seenAt: Now.AddDays(-6)),
            NewExemplar("alice", TestVectors.RandomUnit(random, Dimension), seenAt: Now.AddHours(-1)),
        ];
        foreach (Exemplar exemplar in exemplars)
            await gallery.AddAsync(exemplar, default);

        Assert.Equal(2, await gallery.PurgeSeenBeforeAsync(Now.AddDays(-7), default));

        Assert.Equal(2, await gallery.CountAsync(default));
        Assert.Empty(await gallery.GetExemplarsAsync("bob", default));
        Assert.Equal([exemplars[3].Id], (await gallery.GetExemplarsAsync("alice", default)).Select(e => e.Id));
        IReadOnlyList<GalleryMatch> found = await gallery.SearchAsync(new GalleryQuery(exemplars[0].Embedding, Model, 10, -1f), default);
        Assert.Equal(new[] { exemplars[2].Id, exemplars[3].Id }.Order(), found.Select(m => m.Exemplar.Id).Order());
        Assert.Equal(0, await gallery.PurgeSeenBeforeAsync(Now.AddDays(-7), default));
    }

    [GalleryFact]
    public async Task Stored_exemplars_survive_reopening_the_store()
    {
        var random = new Random(18);
        string store = NewStoreName();
        IGallery first = await OpenReadyAsync(store);
        for (int i = 0; i < 200; i++)
            await first.AddAsync(NewExemplar($"person-{i % 40}", TestVectors.RandomUnit(random, Dimension), $"cam-{i % 3}", Now.AddSeconds(-i)), default);
        float[][] queries = Enumerable.Range(0, 5).Select(_ => TestVectors.RandomUnit(random, Dimension)).ToArray();
        var before = new List<IReadOnlyList<GalleryMatch>>();
        foreach (float[] query in queries)
            before.Add(await first.SearchAsync(new GalleryQuery(query, Model, 5, -1f), default));
        await first.SaveAsync(default);
        await first.DisposeAsync();
        _opened.Remove(first);

        IGallery second = await OpenReadyAsync(store);

        Assert.Equal(200, await second.CountAsync(default));
        for (int q = 0; q < queries.Length; q++)
        {
            IReadOnlyList<GalleryMatch> after = await second.SearchAsync(new GalleryQuery(queries[q], Model, 5, -1f), default);
            Assert.Equal(before[q].Select(m => m.Exemplar.Id), after.Select(m => m.Exemplar.Id));
            Assert.Equal(before[q].Select(m => (double)m.Similarity), after.Select(m => (double)m.Similarity), new Tolerance(1e-6));
            Assert.Equal(before[q].Select(m => (m.PersonId, m.Exemplar.CameraId, m.Exemplar.SeenAt)),
                after.Select(m => (m.PersonId, m.Exemplar.CameraId, m.Exemplar.SeenAt)));
        }
    }

    [GalleryFact]
    public async Task A_store_of_another_dimension_is_refused_with_the_fix()
    {
        string store = NewStoreName();
        IGallery first = await OpenReadyAsync(store);
        await first.AddAsync(NewExemplar("alice", TestVectors.RandomUnit(new Random(19), Dimension)), default);
        await first.SaveAsync(default);

        IGallery second = Open(store);
        _opened.Add(second);
        var refused = await Assert.ThrowsAsync<GalleryUnavailableException>(() => second.EnsureReadyAsync(Dimension / 2, default));

        Assert.Contains(store, refused.Message);
        Assert.Contains($"holds {Dimension}-d vectors but the model makes {Dimension / 2}-d", refused.Message);
        Assert.Contains("delete", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [GalleryFact]
    public async Task Unusable_embeddings_and_early_use_are_refused()
    {
        IGallery unready = Open(NewStoreName());
        _opened.Add(unready);
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => unready.AddAsync(NewExemplar("alice", new float[Dimension]), default));

        IGallery gallery = await OpenReadyAsync();
        float[] good = TestVectors.RandomUnit(new Random(20), Dimension);
        await Assert.ThrowsAsync<ArgumentException>(
            () => gallery.AddAsync(NewExemplar("alice", new float[Dimension / 2]), default));
        await Assert.ThrowsAsync<ArgumentException>(
            () => gallery.AddAsync(NewExemplar("alice", new float[Dimension]), default));
        await Assert.ThrowsAsync<ArgumentException>(
            () => gallery.SearchAsync(new GalleryQuery(good[..^1], Model, 1, 0f), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => gallery.SearchAsync(new GalleryQuery(good, Model, 0, 0f), default));
        Assert.Equal(0, await gallery.CountAsync(default));
    }

    [GalleryFact]
    public async Task Cameras_can_add_and_search_at_the_same_time()
    {
        IGallery gallery = await OpenReadyAsync();
        const int cameras = 4, perCamera = 30;

        await Task.WhenAll(Enumerable.Range(0, cameras).Select(camera => Task.Run(async () =>
        {
            var random = new Random(100 + camera);
            for (int i = 0; i < perCamera; i++)
            {
                Exemplar exemplar = NewExemplar($"cam{camera}-person{i}", TestVectors.RandomUnit(random, Dimension), $"cam-{camera}");
                await gallery.AddAsync(exemplar, default);
                IReadOnlyList<GalleryMatch> found = await gallery.SearchAsync(new GalleryQuery(exemplar.Embedding, Model, 1, 0.5f), default);
                // Each camera must see its own write at once; that is what keeps it from minting a duplicate identity.
                Assert.Equal(exemplar.Id, Assert.Single(found).Exemplar.Id);
            }
        })));

        Assert.Equal(cameras * perCamera, await gallery.CountAsync(default));
    }

    protected string NewStoreName()
    {
        string store = "reid-test-" + Guid.NewGuid().ToString("N")[..12];
        _stores.Add(store);
        return store;
    }

    private async Task<IGallery> OpenReadyAsync(string? store = null)
    {
        IGallery gallery = Open(store ?? NewStoreName());
        _opened.Add(gallery);
        await gallery.EnsureReadyAsync(Dimension, default);
        return gallery;
    }

    private static Exemplar NewExemplar(
        string personId, float[] embedding, string cameraId = "cam-1", DateTimeOffset? seenAt = null, string model = Model) =>
        new(Guid.NewGuid(), personId, embedding, cameraId, seenAt ?? Now, model);

    private static float[] Unit(float[] vector)
    {
        double norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        return vector.Select(v => (float)(v / norm)).ToArray();
    }

    /// <summary>Element-wise closeness for float sequences, with a readable failure.</summary>
    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>, IEqualityComparer<float>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;
        public bool Equals(float x, float y) => Math.Abs(x - y) <= epsilon;
        public int GetHashCode(double obj) => 0;
        public int GetHashCode(float obj) => 0;
    }
}
