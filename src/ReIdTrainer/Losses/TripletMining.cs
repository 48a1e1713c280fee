namespace ReIdTrainer.Losses;

/// <summary>Which (anchor, positive, negative) triplets of a batch the triplet loss is taken over.</summary>
public enum TripletMining
{
    /// <summary>
    /// Per anchor, its farthest positive and nearest negative (Hermans et al. 2017, "In Defense of
    /// the Triplet Loss"): the strongest signal per anchor and the re-ID default.
    /// </summary>
    BatchHard,
    /// <summary>Every valid triplet; the hinge loss is averaged over those that still violate the margin.</summary>
    BatchAll,
    /// <summary>
    /// Per anchor-positive pair, the nearest negative that is still farther than the positive,
    /// or the farthest negative when none is (FaceNet; as in TensorFlow Addons' TripletSemiHardLoss).
    /// Avoids the collapse hardest negatives can cause early in training.
    /// </summary>
    SemiHard,
}
