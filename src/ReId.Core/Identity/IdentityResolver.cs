using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using ReId.Core.Gallery;

namespace ReId.Core.Identity;

/// <param name="MatchThreshold">Minimum cosine similarity to an exemplar to reuse its identity.</param>
/// <param name="MaxExemplarsPerIdentity">Cap on stored exemplars per person.</param>
/// <param name="RedundantSimilarity">A new exemplar this similar to a stored one adds nothing.</param>
/// <param name="SwitchMargin">
/// When a track's fuller appearance is reconsidered, another identity must beat the track's own by
/// this much similarity to take over: identities should not flap between near ties.
/// </param>
public sealed record IdentityResolverOptions(
    float MatchThreshold = 0.75f,
    int MaxExemplarsPerIdentity = 8,
    float RedundantSimilarity = 0.97f,
    float SwitchMargin = 0.02f);

/// <summary>The outcome of resolving a tracklet: which person and how sure.</summary>
/// <param name="Similarity">Similarity of the best exemplar; null for a new identity.</param>
/// <param name="Degraded">
/// Decided against this worker's local cache because the shared gallery was unreachable: another
/// worker may know this person under another id, so the identity can only be provisional.
/// </param>
public sealed record IdentityDecision(string PersonId, float? Similarity, bool IsNew, bool Degraded = false);

/// <summary>
/// The outcome of looking at a track's identity again: the identity it should carry instead (null to
/// keep its own), and whether the look was against the local cache only (<see cref="IdentityDecision.Degraded"/>),
/// in which case keeping the identity does not make it firm.
/// </summary>
public sealed record IdentityReconsideration(IdentityDecision? Better, bool Degraded);

/// <summary>
/// Gives a tracklet a global person id: the nearest known identity above the threshold that is
/// not on another live track, otherwise a new identity. Then stores the tracklet as an exemplar,
/// keeping a few diverse exemplars per identity.
/// </summary>
public sealed class IdentityResolver(IGallery gallery, IdentityResolverOptions options, string modelVersion, ILogger logger)
{
    public IdentityResolverOptions Options { get; } = options;

    /// <param name="busyPersonIds">Identities on other live tracks: never returned.</param>
    /// <param name="newIdSeed">What makes a new id deterministic (source, camera, track, frame).</param>
    public async Task<IdentityDecision> ResolveAsync(float[] tracklet, IReadOnlyCollection<string> busyPersonIds,
        string newIdSeed, CancellationToken ct)
    {
        var (matches, degraded) = await gallery.SearchWithStatusAsync(
            new GalleryQuery(tracklet, modelVersion, Limit: 5, Options.MatchThreshold, busyPersonIds), ct);
        if (matches.Count > 0)
        {
            var best = matches[0];
            logger.LogDebug("Matched {PersonId} at {Similarity:0.000}{Degraded}", best.PersonId, best.Similarity,
                degraded ? " (local cache: shared gallery unreachable)" : "");
            return new IdentityDecision(best.PersonId, best.Similarity, IsNew: false, degraded);
        }
        return new IdentityDecision(NewPersonId(newIdSeed), null, IsNew: true, degraded);
    }

    /// <summary>
    /// Looks again at a track identified early (from a few crops) now that its appearance is better
    /// known. Returns the identity it should carry instead of <paramref name="current"/>, or null to
    /// keep it: another identity must match above the threshold and beat the track's own identity
    /// by <see cref="IdentityResolverOptions.SwitchMargin"/>.
    /// </summary>
    public async Task<IdentityDecision?> ReconsiderAsync(float[] tracklet, string current, IReadOnlyCollection<string> busyPersonIds,
        CancellationToken ct) =>
        (await ReconsiderWithStatusAsync(tracklet, current, busyPersonIds, ct)).Better;

    /// <summary>
    /// <see cref="ReconsiderAsync"/>, also saying whether the look was degraded (local cache only):
    /// a track's identity is firm once it was confirmed against the shared gallery, not before.
    /// </summary>
    /// <param name="currentIsOwnEvidence">
    /// <paramref name="current"/> was created for this track and no other track has carried it: its
    /// exemplars are this track's own crops, so their similarity to the tracklet proves nothing, and
    /// any other identity above the threshold wins (the created identity was a duplicate).
    /// </param>
    public async Task<IdentityReconsideration> ReconsiderWithStatusAsync(float[] tracklet, string current,
        IReadOnlyCollection<string> busyPersonIds, CancellationToken ct, bool currentIsOwnEvidence = false)
    {
        var (matches, degraded) = await gallery.SearchWithStatusAsync(
            new GalleryQuery(tracklet, modelVersion, Limit: 20, Options.MatchThreshold, busyPersonIds.Where(id => id != current).ToList()), ct);
        float own = currentIsOwnEvidence ? float.NegativeInfinity
            : matches.Where(m => m.PersonId == current).Select(m => m.Similarity).DefaultIfEmpty(float.NegativeInfinity).Max();
        var other = matches.FirstOrDefault(m => m.PersonId != current);
        if (other is null || other.Similarity < own + Options.SwitchMargin) return new IdentityReconsideration(null, degraded);
        logger.LogDebug("Reconsidered {Current} as {PersonId} ({Similarity:0.000} vs {Own:0.000})", current, other.PersonId, other.Similarity, own);
        return new IdentityReconsideration(new IdentityDecision(other.PersonId, other.Similarity, IsNew: false, degraded), degraded);
    }

    /// <summary>
    /// Makes <paramref name="absorbed"/> part of <paramref name="survivor"/>: its exemplars are
    /// relabelled, so later searches find the one person under one id. History is not rewritten:
    /// callers publish an identity.merged event for consumers to follow.
    /// </summary>
    public async Task MergeAsync(string absorbed, string survivor, CancellationToken ct)
    {
        var exemplars = await gallery.GetExemplarsAsync(absorbed, ct);
        if (exemplars.Count == 0) return;
        await gallery.RemoveAsync(exemplars.Select(e => e.Id).ToList(), ct);
        foreach (var e in exemplars)
            await AddExemplarAsync(survivor, e.Embedding, e.CameraId, e.SeenAt, ct);
    }

    /// <summary>
    /// Stores <paramref name="embedding"/> as an exemplar of <paramref name="personId"/> unless it is
    /// redundant; at the cap, the most redundant stored exemplar makes room, which keeps the set
    /// diverse (views, poses, cameras) rather than merely recent.
    /// </summary>
    public async Task AddExemplarAsync(string personId, float[] embedding, string cameraId, DateTimeOffset seenAt, CancellationToken ct)
    {
        var existing = await gallery.GetExemplarsAsync(personId, ct);
        foreach (var e in existing)
            if (TensorPrimitives.Dot(e.Embedding, embedding) >= Options.RedundantSimilarity)
                return;

        if (existing.Count >= Options.MaxExemplarsPerIdentity)
        {
            var all = existing.Select(e => e.Embedding).Append(embedding).ToList();
            int victim = MostRedundant(all, candidates: existing.Count);
            await gallery.RemoveAsync([existing[victim].Id], ct);
        }
        await gallery.AddAsync(new Exemplar(Guid.NewGuid(), personId, embedding, cameraId, seenAt, modelVersion), ct);
    }

    /// <summary>Index (below <paramref name="candidates"/>) of the vector most similar to any other.</summary>
    internal static int MostRedundant(IReadOnlyList<float[]> vectors, int candidates)
    {
        int victim = 0;
        float worst = float.NegativeInfinity;
        for (int i = 0; i < candidates; i++)
            for (int j = 0; j < vectors.Count; j++)
            {
                if (i == j) continue;
                float s = TensorPrimitives.Dot(vectors[i], vectors[j]);
                if (s > worst) { worst = s; victim = i; }
            }
        return victim;
    }

    /// <summary>"p-" and 12 hex digits hashed from the seed: the same replay yields the same ids.</summary>
    public static string NewPersonId(string seed)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(seed), hash);
        return "p-" + Convert.ToHexStringLower(hash[..6]);
    }
}
