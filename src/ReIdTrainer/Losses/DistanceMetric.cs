namespace ReIdTrainer.Losses;

/// <summary>How far apart two embeddings are; larger always means less alike.</summary>
public enum DistanceMetric
{
    Euclidean,
    /// <summary>Penalises far pairs more than Euclidean; margins must be chosen on its scale.</summary>
    SquaredEuclidean,
    /// <summary>1 - cos: ignores the norm, matching how the worker compares L2-normalised embeddings.</summary>
    Cosine,
}
