using ReIdTrainer.Cli;

namespace ReIdTrainer.Sampling;

/// <summary>
/// Batches of P identities x K images each, the sampling batch-hard triplet mining relies on
/// (every anchor has K - 1 positives and (P - 1) K negatives in its batch).
/// An epoch visits every usable identity once in random order (the RandomIdentitySampler of
/// open-reid); the last batch is filled up with other identities so every batch has exactly P.
/// An identity with at least K images gives K distinct ones; one with fewer gives all of its images
/// and repeats randomly chosen ones up to K, so small identities still take part.
/// Identities with a single image are left out: they can never be a positive.
/// </summary>
public sealed class PkSampler
{
    private readonly int[][] _imagesByIdentity;

    /// <param name="identityOfImage">The identity label of every image, indexed like the dataset.</param>
    /// <param name="identitiesPerBatch">P.</param>
    /// <param name="imagesPerIdentity">K.</param>
    public PkSampler(IReadOnlyList<int> identityOfImage, int identitiesPerBatch, int imagesPerIdentity)
    {
        if (identitiesPerBatch < 2)
            throw new TrainerException($"identities per batch (P) is {identitiesPerBatch}; it must be at least 2 so every anchor has a negative");
        if (imagesPerIdentity < 2)
            throw new TrainerException($"images per identity (K) is {imagesPerIdentity}; it must be at least 2 so every anchor has a positive");

        var groups = Enumerable.Range(0, identityOfImage.Count)
            .GroupBy(i => identityOfImage[i])
            .OrderBy(g => g.Key)
            .ToList();
        _imagesByIdentity = groups.Where(g => g.Count() >= 2).Select(g => g.ToArray()).ToArray();
        SingleImageIdentities = groups.Count - _imagesByIdentity.Length;

        if (_imagesByIdentity.Length < identitiesPerBatch)
            throw new TrainerException(
                $"the training data has {_imagesByIdentity.Length} identities with at least 2 images " +
                $"({groups.Count} identities, {identityOfImage.Count} images in all) but a batch needs P = {identitiesPerBatch}; " +
                "lower P or add images");

        IdentitiesPerBatch = identitiesPerBatch;
        ImagesPerIdentity = imagesPerIdentity;
    }

    public int IdentitiesPerBatch { get; }
    public int ImagesPerIdentity { get; }
    public int BatchSize => IdentitiesPerBatch * ImagesPerIdentity;

    /// <summary>Identities that take part in training.</summary>
    public int UsableIdentities => _imagesByIdentity.Length;

    /// <summary>Identities left out because they have one image only (worth reporting to the user).</summary>
    public int SingleImageIdentities { get; }

    public int BatchesPerEpoch => (UsableIdentities + IdentitiesPerBatch - 1) / IdentitiesPerBatch;

    /// <summary>One epoch of batches; each batch lists dataset image indices, identity by identity.</summary>
    public IEnumerable<int[]> Epoch(Random random)
    {
        int[] order = Enumerable.Range(0, UsableIdentities).ToArray();
        random.Shuffle(order);
        for (int start = 0; start < order.Length; start += IdentitiesPerBatch)
        {
            var identities = order.Skip(start).Take(IdentitiesPerBatch).ToList();
            while (identities.Count < IdentitiesPerBatch)
            {
                int extra = random.Next(UsableIdentities);
                if (!identities.Contains(extra)) identities.Add(extra);
            }

            var batch = new int[BatchSize];
            for (int p = 0; p < identities.Count; p++)
                ChooseImages(_imagesByIdentity[identities[p]], random).CopyTo(batch, p * ImagesPerIdentity);
            yield return batch;
        }
    }

    private int[] ChooseImages(int[] images, Random random)
    {
        int[] shuffled = (int[])images.Clone();
        random.Shuffle(shuffled);
        if (shuffled.Length >= ImagesPerIdentity) return shuffled[..ImagesPerIdentity];

        var chosen = new int[ImagesPerIdentity];
        shuffled.CopyTo(chosen, 0);
        for (int k = shuffled.Length; k < ImagesPerIdentity; k++)
            chosen[k] = images[random.Next(images.Length)];
        return chosen;
    }
}
