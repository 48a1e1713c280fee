namespace ReId.Core.Gallery;

/// <summary>
/// One stored appearance of a person: an L2-normalised embedding with where and when it was seen.
/// Embeddings of people are biometric data, hence <see cref="SeenAt"/> drives retention.
/// </summary>
public sealed record Exemplar(
    Guid Id,
    string PersonId,
    float[] Embedding,
    string CameraId,
    DateTimeOffset SeenAt,
    string ModelVersion);

/// <summary>A search hit: an exemplar and its cosine similarity to the query.</summary>
public sealed record GalleryMatch(Exemplar Exemplar, float Similarity)
{
    public string PersonId => Exemplar.PersonId;
}

/// <summary>
/// Restricts a search. <see cref="ModelVersion"/> is required because embeddings of different
/// models are not comparable; <see cref="ExcludePersonIds"/> implements "one identity cannot be on
/// two live tracks at once".
/// </summary>
public sealed record GalleryQuery(
    float[] Embedding,
    string ModelVersion,
    int Limit,
    float MinSimilarity,
    IReadOnlyCollection<string>? ExcludePersonIds = null);
