using TorchSharp;
using static TorchSharp.torch;

namespace ReIdTrainer.Losses;

/// <summary>
/// Cross-entropy over the training identities with label smoothing (Szegedy et al. 2016), the
/// classification half of the usual re-ID objective. Smoothing keeps the classifier from becoming
/// over-confident on the few images each identity has, which otherwise over-fits the embedding.
/// Target distribution: 1 - epsilon + epsilon / C for the true identity, epsilon / C for the others
/// (the definition PyTorch's cross_entropy(label_smoothing) uses).
/// </summary>
public sealed class IdentityLoss
{
    public IdentityLoss(double labelSmoothing = 0.1)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1)");
        LabelSmoothing = labelSmoothing;
    }

    public double LabelSmoothing { get; }

    /// <param name="logits">[N, C] classifier outputs.</param>
    /// <param name="labels">[N] identity indices in [0, C).</param>
    /// <returns>Scalar mean loss over the batch.</returns>
    public Tensor Compute(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || labels.dim() != 1 || labels.shape[0] != logits.shape[0])
            throw new ArgumentException($"identity loss needs [N, C] logits and [N] labels, got [{string.Join(", ", logits.shape)}] and [{string.Join(", ", labels.shape)}]");

        using var scope = NewDisposeScope();
        var logProbabilities = logits.log_softmax(1);
        var trueClass = -logProbabilities.gather(1, labels.to_type(ScalarType.Int64).unsqueeze(1)).squeeze(1);
        var uniform = -logProbabilities.mean(new long[] { 1 });
        var loss = ((1 - LabelSmoothing) * trueClass + LabelSmoothing * uniform).mean();
        return loss.MoveToOuterDisposeScope();
    }
}
