using Microsoft.Extensions.Logging.Abstractions;
using ReId.Core.Identity;
using ReId.Gallery;

namespace ReId.IntegrationTests;

/// <summary>The identity resolver over the real embedded gallery.</summary>
public class IdentityResolverTests : IAsyncLifetime
{
    private const string Model = "test-model@1";
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-resolver-").FullName;
    private EmbeddedGallery _gallery = null!;
    private IdentityResolver _resolver = null!;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        _gallery = new EmbeddedGallery(Path.Combine(_dir, "gallery.bin"));
        await _gallery.EnsureReadyAsync(4, CancellationToken.None);
        _resolver = new IdentityResolver(_gallery, new IdentityResolverOptions(MatchThreshold: 0.8f, MaxExemplarsPerIdentity: 3),
            Model, NullLogger.Instance);
    }

    public async Task DisposeAsync()
    {
        await _gallery.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static float[] Unit(params float[] v)
    {
        float n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    [Fact]
    public async Task Unknown_person_gets_a_new_deterministic_id()
    {
        var d = await _resolver.ResolveAsync(Unit(1, 0, 0, 0), [], "seed-1", CancellationToken.None);
        Assert.True(d.IsNew);
        Assert.Null(d.Similarity);
        Assert.Equal(IdentityResolver.NewPersonId("seed-1"), d.PersonId);
        Assert.Matches("^p-[0-9a-f]{12}$", d.PersonId);
        Assert.NotEqual(d.PersonId, IdentityResolver.NewPersonId("seed-2"));
    }

    [Fact]
    public async Task A_duplicate_identity_created_by_the_track_itself_yields_to_the_known_person()
    {
        // Alice was known; her new track got a fresh identity (her old one was busy) whose only
        // exemplar is the track's own early appearance, nearly identical to its full appearance.
        await _resolver.AddExemplarAsync("p-alice", Unit(1, 0, 0, 0), "cam1", Now, CancellationToken.None);
        await _resolver.AddExemplarAsync("p-duplicate", Unit(1, 0.55f, 0, 0), "cam2", Now, CancellationToken.None);
        var tracklet = Unit(1, 0.5f, 0, 0); // cos 0.894 to alice, 0.999 to its own duplicate

        var asEvidence = await _resolver.ReconsiderWithStatusAsync(tracklet, "p-duplicate", [], CancellationToken.None);
        Assert.Null(asEvidence.Better); // its own crops outvote alice

        var ownEvidence = await _resolver.ReconsiderWithStatusAsync(tracklet, "p-duplicate", [], CancellationToken.None,
            currentIsOwnEvidence: true);
        Assert.Equal("p-alice", ownEvidence.Better?.PersonId);
        Assert.Equal(0.894f, ownEvidence.Better!.Similarity!.Value, 2);

        // Still never below the threshold, and never onto an identity busy on another track.
        var unrelated = await _resolver.ReconsiderWithStatusAsync(Unit(0, 0, 1, 0), "p-duplicate", [], CancellationToken.None, currentIsOwnEvidence: true);
        Assert.Null(unrelated.Better);
        var busy = await _resolver.ReconsiderWithStatusAsync(tracklet, "p-duplicate", ["p-alice"], CancellationToken.None, currentIsOwnEvidence: true);
        Assert.Null(busy.Better);
    }

    [Fact]
    public async Task Known_person_above_threshold_is_recognised_and_below_is_not()
    {
        await _resolver.AddExemplarAsync("p-alice", Unit(1, 0, 0, 0), "cam1", Now, CancellationToken.None);
        await _resolver.AddExemplarAsync("p-bob", Unit(0, 1, 0, 0), "cam1", Now, CancellationToken.None);

        var close = await _resolver.ResolveAsync(Unit(1, 0.3f, 0, 0), [], "s", CancellationToken.None); // cos 0.958 to alice
        Assert.False(close.IsNew);
        Assert.Equal("p-alice", close.PersonId);
        Assert.Equal(0.958f, close.Similarity!.Value, 2);

        var far = await _resolver.ResolveAsync(Unit(1, 1, 0, 0), [], "s", CancellationToken.None); // cos 0.707 to both
        Assert.True(far.IsNew);
    }

    [Fact]
    public async Task An_identity_on_a_live_track_is_never_given_to_another_track()
    {
        await _resolver.AddExemplarAsync("p-alice", Unit(1, 0, 0, 0), "cam1", Now, CancellationToken.None);
        await _resolver.AddExemplarAsync("p-carol", Unit(1, 0.5f, 0, 0), "cam1", Now, CancellationToken.None);
        var d = await _resolver.ResolveAsync(Unit(1, 0.1f, 0, 0), ["p-alice"], "s", CancellationToken.None);
        Assert.Equal("p-carol", d.PersonId); // the next best, still above threshold
        var none = await _resolver.ResolveAsync(Unit(1, 0.1f, 0, 0), ["p-alice", "p-carol"], "s", CancellationToken.None);
        Assert.True(none.IsNew);
    }

    [Fact]
    public async Task Exemplars_are_capped_and_kept_diverse()
    {
        var views = new[] { Unit(1, 0, 0, 0), Unit(0, 1, 0, 0), Unit(0, 0, 1, 0), Unit(0, 0, 0.99f, 0.14f), Unit(0, 0, 0, 1) };
        // views[3] is redundant with views[2] (cos 0.99 > 0.97): skipped.
        foreach (var v in views.Take(4)) await _resolver.AddExemplarAsync("p-dave", v, "cam1", Now, CancellationToken.None);
        var stored = await _gallery.GetExemplarsAsync("p-dave", CancellationToken.None);
        Assert.Equal(3, stored.Count);

        // At the cap, a new distinct view replaces the most redundant stored one, never exceeding it.
        await _resolver.AddExemplarAsync("p-dave", views[4], "cam2", Now, CancellationToken.None);
        stored = await _gallery.GetExemplarsAsync("p-dave", CancellationToken.None);
        Assert.Equal(3, stored.Count);
        Assert.Contains(stored, e => e.CameraId == "cam2");
        Assert.All(stored, e => Assert.Equal(Model, e.ModelVersion));
    }

    [Fact]
    public async Task Exemplars_of_another_model_are_not_matched()
    {
        var other = new IdentityResolver(_gallery, new IdentityResolverOptions(MatchThreshold: 0.8f), "other-model@2", NullLogger.Instance);
        await other.AddExemplarAsync("p-eve", Unit(1, 0, 0, 0), "cam1", Now, CancellationToken.None);
        var d = await _resolver.ResolveAsync(Unit(1, 0, 0, 0), [], "s", CancellationToken.None);
        Assert.True(d.IsNew); // embeddings of different models are not comparable
    }

    [Fact]
    public async Task Reconsideration_switches_only_when_another_identity_is_clearly_better()
    {
        await _resolver.AddExemplarAsync("p-early", Unit(1, 0.2f, 0, 0), "cam1", Now, CancellationToken.None);
        await _resolver.AddExemplarAsync("p-known", Unit(1, 0.6f, 0, 0), "cam1", Now, CancellationToken.None);
        // The fuller tracklet is closer to p-known (0.999) than to its own early identity (0.94).
        var fuller = Unit(1, 0.62f, 0, 0);
        var better = await _resolver.ReconsiderAsync(fuller, "p-early", ["p-early"], CancellationToken.None);
        Assert.Equal("p-known", better!.PersonId);
        // A near tie (within the switch margin) keeps the identity.
        var tie = await _resolver.ReconsiderAsync(Unit(1, 0.4f, 0, 0), "p-early", ["p-early"], CancellationToken.None);
        Assert.Null(tie);
        // A better identity that is on another live track is not taken.
        Assert.Null(await _resolver.ReconsiderAsync(fuller, "p-early", ["p-early", "p-known"], CancellationToken.None));
    }

    [Fact]
    public async Task Merging_relabels_every_exemplar_of_the_absorbed_identity()
    {
        await _resolver.AddExemplarAsync("p-dup", Unit(1, 0, 0, 0), "cam1", Now, CancellationToken.None);
        await _resolver.AddExemplarAsync("p-dup", Unit(0, 1, 0, 0), "cam2", Now, CancellationToken.None);
        await _resolver.AddExemplarAsync("p-real", Unit(0, 0, 1, 0), "cam1", Now, CancellationToken.None);
        await _resolver.MergeAsync("p-dup", "p-real", CancellationToken.None);
        Assert.Empty(await _gallery.GetExemplarsAsync("p-dup", CancellationToken.None));
        var real = await _gallery.GetExemplarsAsync("p-real", CancellationToken.None);
        Assert.Equal(3, real.Count);
        Assert.Contains(real, e => e.CameraId == "cam2");
        var d = await _resolver.ResolveAsync(Unit(0, 1, 0, 0), [], "s", CancellationToken.None);
        Assert.Equal("p-real", d.PersonId); // the merged appearance now finds the surviving identity
    }
}
