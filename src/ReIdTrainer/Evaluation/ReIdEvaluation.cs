using Microsoft.Extensions.Logging;
using ReId.Inference;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReIdTrainer.Evaluation;

/// <summary>Everything <c>reid-train eval</c> reports, in the shape of its JSON file.</summary>
public sealed record EvaluationReport(
    string Data,
    string Model,
    string ModelId,
    string Provider,
    bool ReRanked,
    double Rank1,
    double Rank5,
    double Rank10,
    double MeanAveragePrecision,
    int Queries,
    int ValidQueries,
    int SkippedQueries,
    int Gallery,
    int GalleryDistractors,
    int GalleryJunk,
    double ImagesPerSecond,
    double Seconds);

/// <summary>Query/gallery evaluation of an exported embedding model on a dataset with the standard protocol.</summary>
public static class ReIdEvaluation
{
    public static EvaluationReport Run(ReIdDataset dataset, string modelPath, DevicePreference device, bool reRank,
        ILogger logger, int batchSize = FeatureExtractor.DefaultBatchSize, CancellationToken cancel = default)
    {
        if (dataset.Query.Count == 0 || dataset.Gallery.Count == 0)
            throw new TrainerException($"'{dataset.Root}' has no query/gallery split ({dataset.Layout} layout); evaluation needs the Market-1501 layout with {Market1501Layout.QueryFolder} and {Market1501Layout.GalleryFolder}");
        var query = Labels(dataset.Query);
        var gallery = Labels(dataset.Gallery);

        using var embedder = Embedder.Open(modelPath, device, logger, maxBatch: batchSize);
        logger.LogInformation("Embedding {Queries} queries and {Gallery} gallery images with {Model} on {Provider}",
            query.Count, gallery.Count, embedder.Metadata.Id, embedder.Provider);
        var q = FeatureExtractor.Extract(embedder, dataset.Query.Select(i => i.Path).ToList(), batchSize, cancel);
        var g = FeatureExtractor.Extract(embedder, dataset.Gallery.Select(i => i.Path).ToList(), batchSize, cancel);

        var distances = EmbeddingDistances.Euclidean(q.Embeddings, g.Embeddings);
        if (reRank)
        {
            logger.LogInformation("k-reciprocal re-ranking (k1={K1}, k2={K2}, lambda={Lambda})",
                KReciprocalReRanking.DefaultK1, KReciprocalReRanking.DefaultK2, KReciprocalReRanking.DefaultLambda);
            distances = KReciprocalReRanking.Apply(distances,
                EmbeddingDistances.Euclidean(q.Embeddings, q.Embeddings),
                EmbeddingDistances.Euclidean(g.Embeddings, g.Embeddings),
                query.Count, gallery.Count);
        }
        var metrics = RankingMetrics.Compute(distances, query, gallery);
        if (metrics.ValidQueries == 0)
            throw new TrainerException($"no query in '{dataset.Root}' has a match in {Market1501Layout.GalleryFolder} from another camera; the split cannot be evaluated");

        var elapsed = q.Elapsed + g.Elapsed;
        return new EvaluationReport(dataset.Root, Path.GetFullPath(modelPath), embedder.Metadata.Id, embedder.Provider, reRank,
            metrics.Rank(1), metrics.Rank(5), metrics.Rank(10), metrics.MeanAveragePrecision,
            query.Count, metrics.ValidQueries, metrics.SkippedQueries, gallery.Count,
            dataset.Gallery.Count(i => i.Label == ImageLabel.Distractor), dataset.Gallery.Count(i => i.Label == ImageLabel.Junk),
            (query.Count + gallery.Count) / Math.Max(elapsed.TotalSeconds, 1e-9), elapsed.TotalSeconds);
    }

    private static List<RankingLabel> Labels(IReadOnlyList<ReIdImage> images) =>
        images.Select(i => new RankingLabel(i.PersonId,
            i.CameraId ?? throw new TrainerException($"'{i.Path}' carries no camera id; the protocol excludes same-camera matches, so every query and gallery name needs one"),
            i.Label == ImageLabel.Junk)).ToList();
}
