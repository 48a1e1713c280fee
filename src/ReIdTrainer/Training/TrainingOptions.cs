using System.Text.Json.Serialization;
using ReIdTrainer.Losses;

namespace ReIdTrainer.Training;

[JsonConverter(typeof(JsonStringEnumConverter<BackboneKind>))]
public enum BackboneKind
{
    Light,
    ResNet18,
}

/// <summary>
/// Everything that decides what a training run computes. It is stored in every checkpoint, so a
/// resumed run and an export rebuild exactly the network that was trained.
/// </summary>
public sealed record TrainingOptions
{
    public BackboneKind Backbone { get; init; } = BackboneKind.Light;
    public int Epochs { get; init; } = 20;
    public int IdentitiesPerBatch { get; init; } = 8;
    public int ImagesPerIdentity { get; init; } = 4;
    public int Height { get; init; } = 256;
    public int Width { get; init; } = 128;
    public double LearningRate { get; init; } = 3.5e-4;
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>Share of all steps spent ramping the learning rate up; Adam's early moments are noisy and the BNNeck statistics are still settling.</summary>
    public double WarmupFraction { get; init; } = 0.1;
    /// <summary>Null selects the soft margin (softplus), which has no margin value.</summary>
    public float? Margin { get; init; } = 0.3f;
    [JsonConverter(typeof(JsonStringEnumConverter<TripletMining>))]
    public TripletMining Mining { get; init; } = TripletMining.BatchHard;
    [JsonConverter(typeof(JsonStringEnumConverter<DistanceMetric>))]
    public DistanceMetric Distance { get; init; } = DistanceMetric.Euclidean;
    /// <summary>0 trains with the triplet loss alone and leaves the classifier untouched.</summary>
    public double IdLossWeight { get; init; } = 1.0;
    public double LabelSmoothing { get; init; } = 0.1;
    public int Seed { get; init; } = 1;
    /// <summary>0 never validates; N exports and evaluates after every N-th epoch and after the last.</summary>
    public int ValidateEvery { get; init; }
    public bool Augment { get; init; } = true;

    public TripletLossOptions TripletLoss => new()
    {
        Mining = Mining,
        Margin = Margin is { } m ? TripletMargin.Hard(m) : TripletMargin.Soft,
        Metric = Distance,
    };

    /// <summary>The first problem as one line naming the option, or null.</summary>
    public string? Validate() =>
        Epochs < 1 ? $"--epochs must be at least 1 (got {Epochs})"
        : IdentitiesPerBatch < 2 ? $"--p must be at least 2 (got {IdentitiesPerBatch}) so every anchor has a negative"
        : ImagesPerIdentity < 2 ? $"--k must be at least 2 (got {ImagesPerIdentity}) so every anchor has a positive"
        : Height < 32 || Width < 16 ? $"--height/--width must be at least 32x16 (got {Height}x{Width}); the backbones downsample by 16 to 32"
        : !(LearningRate > 0) || double.IsInfinity(LearningRate) ? $"--lr must be a positive number (got {LearningRate})"
        : !(WeightDecay >= 0) ? $"--weight-decay must be >= 0 (got {WeightDecay})"
        : !(WarmupFraction >= 0 && WarmupFraction < 1) ? $"warm-up fraction must be in [0, 1) (got {WarmupFraction})"
        : Margin is { } m && !(m >= 0 && float.IsFinite(m)) ? $"--margin must be a finite number >= 0 (got {m})"
        : !(IdLossWeight >= 0) || double.IsInfinity(IdLossWeight) ? $"--id-loss-weight must be a finite number >= 0 (got {IdLossWeight})"
        : !(LabelSmoothing >= 0 && LabelSmoothing < 1) ? $"label smoothing must be in [0, 1) (got {LabelSmoothing})"
        : ValidateEvery < 0 ? $"--validate-every must be >= 0 (got {ValidateEvery})"
        : null;
}
