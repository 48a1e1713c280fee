using ReIdTrainer.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReIdTrainer.Training;

/// <summary>
/// The embedding network plus the identity classifier on its BN feature. One module so a single
/// save/load covers both; only <see cref="Net"/> is exported, the classifier exists for training.
/// </summary>
public sealed class TrainingModel : nn.Module
{
    private readonly EmbeddingNet net;
    private readonly Linear classifier;

    public TrainingModel(BackboneKind backbone, int identities) : base(nameof(TrainingModel))
    {
        net = new EmbeddingNet(backbone switch
        {
            BackboneKind.Light => new LightBackbone(),
            BackboneKind.ResNet18 => new ResNet18Backbone(),
            _ => throw new ArgumentOutOfRangeException(nameof(backbone), backbone, "unknown backbone"),
        });
        // No bias: with BNNeck the classifier sees a centred feature, and a bias would only let the
        // class prior leak into the logits (as in the BNNeck paper).
        classifier = nn.Linear(net.EmbeddingDim, identities, hasBias: false);
        Identities = identities;
        RegisterComponents();
    }

    public EmbeddingNet Net => net;
    public Linear Classifier => classifier;
    public int Identities { get; }
}
