using static TorchSharp.torch;

namespace ReIdTrainer.Models;

/// <summary>
/// A CNN that maps [N,3,H,W] to a feature map [N,<see cref="FeatureDim"/>,h,w]; pooling and the
/// embedding head live in <see cref="EmbeddingNet"/> so every backbone shares them.
/// </summary>
public abstract class Backbone(string name) : nn.Module<Tensor, Tensor>(name)
{
    public abstract int FeatureDim { get; }

    /// <summary>Input size divided by output size, per axis.</summary>
    public abstract int OutputStride { get; }
}
