using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReIdTrainer.Models;

/// <summary>
/// Backbone + global average pooling + optional linear projection to D dims + BNNeck
/// (BatchNorm1d without a learnt shift). <see cref="forward"/> gives the deployed embedding: the
/// BNNeck feature, L2-normalised, which is what the exported ONNX model computes in eval mode.
/// </summary>
public sealed class EmbeddingNet : nn.Module<Tensor, Tensor>
{
    private readonly Backbone backbone;
    // Before the BNNeck, so the BNNeck (and the classifier behind it) sees D dims, not the
    // backbone's width.
    private readonly Linear? projection;
    private readonly BatchNorm1d bnneck;

    public Backbone Backbone => backbone;
    public Linear? Projection => projection;
    public BatchNorm1d BnNeck => bnneck;
    public int EmbeddingDim { get; }

    /// <param name="embeddingDim">Projection width; null keeps the backbone's feature width and adds no projection.</param>
    public EmbeddingNet(Backbone backbone, int? embeddingDim = null) : base(nameof(EmbeddingNet))
    {
        if (embeddingDim is <= 0)
            throw new ArgumentOutOfRangeException(nameof(embeddingDim), embeddingDim, "embedding dimension must be positive");
        this.backbone = backbone;
        EmbeddingDim = embeddingDim ?? backbone.FeatureDim;
        if (embeddingDim is not null)
            projection = nn.Linear(backbone.FeatureDim, EmbeddingDim);
        bnneck = nn.BatchNorm1d(EmbeddingDim);
        // BNNeck (Luo et al., "Bag of Tricks"): a shift would move the features off the origin that
        // cosine similarity measures angles around, so the bias stays at zero.
        bnneck.bias!.requires_grad = false;
        RegisterComponents();
    }

    public EmbeddingFeatures Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        var map = backbone.forward(images);
        var feature = map.mean([2L, 3L]);
        if (projection is not null) feature = projection.forward(feature);
        var bn = bnneck.forward(feature);
        return new EmbeddingFeatures(feature.MoveToOuterDisposeScope(), bn.MoveToOuterDisposeScope());
    }

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var f = Features(images);
        return nn.functional.normalize(f.BnFeature, p: 2, dim: 1).MoveToOuterDisposeScope();
    }
}
