using ReIdTrainer.Cli;
using ReIdTrainer.Sampling;

namespace ReId.Trainer.Tests.Sampling;

public sealed class PkSamplerTests
{
    // Identity 0: images 0-4 (5), identity 1: 5-6 (2), identity 2: 7-9 (3), identity 3: 10 (1), identity 4: 11-14 (4).
    private static readonly int[] IdentityOfImage = { 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 4, 4, 4, 4 };

    [Fact]
    public void Every_batch_holds_P_distinct_identities_with_K_images_each()
    {
        var sampler = new PkSampler(IdentityOfImage, identitiesPerBatch: 2, imagesPerIdentity: 4);
        var batches = sampler.Epoch(new Random(7)).ToList();

        Assert.Equal(4, sampler.UsableIdentities);
        Assert.Equal(1, sampler.SingleImageIdentities);
        Assert.Equal(2, sampler.BatchesPerEpoch);
        Assert.Equal(2, batches.Count);
        var seen = new HashSet<int>();
        foreach (var batch in batches)
        {
            Assert.Equal(8, batch.Length);
            var groups = batch.Chunk(4).ToList();
            var identities = groups.Select(g => IdentityOfImage[g[0]]).ToList();
            Assert.Equal(2, identities.Distinct().Count());
            foreach (var group in groups)
            {
                int identity = IdentityOfImage[group[0]];
                Assert.All(group, image => Assert.Equal(identity, IdentityOfImage[image]));
                int available = IdentityOfImage.Count(i => i == identity);
                // Distinct images while they last, then repeats; a small identity shows all it has.
                Assert.Equal(Math.Min(available, 4), group.Distinct().Count());
                seen.Add(identity);
            }
        }
        Assert.Equal(new[] { 0, 1, 2, 4 }, seen.Order());
    }

    [Fact]
    public void A_short_last_batch_is_filled_with_other_identities()
    {
        var sampler = new PkSampler(IdentityOfImage, identitiesPerBatch: 3, imagesPerIdentity: 2);
        var batches = sampler.Epoch(new Random(1)).ToList();

        Assert.Equal(2, batches.Count);
        Assert.All(batches, b =>
        {
            Assert.Equal(6, b.Length);
            Assert.Equal(3, b.Chunk(2).Select(g => IdentityOfImage[g[0]]).Distinct().Count());
        });
        Assert.Equal(new[] { 0, 1, 2, 4 }, batches.SelectMany(b => b).Select(i => IdentityOfImage[i]).Distinct().Order());
    }

    [Fact]
    public void The_same_seed_gives_the_same_epoch_and_another_seed_a_different_one()
    {
        var sampler = new PkSampler(IdentityOfImage, 2, 2);
        var first = sampler.Epoch(new Random(42)).SelectMany(b => b).ToArray();
        Assert.Equal(first, sampler.Epoch(new Random(42)).SelectMany(b => b).ToArray());
        Assert.Contains(Enumerable.Range(0, 20), seed => !sampler.Epoch(new Random(seed)).SelectMany(b => b).SequenceEqual(first));
    }

    [Fact]
    public void Too_few_identities_with_two_images_is_an_error_naming_the_numbers()
    {
        var ex = Assert.Throws<TrainerException>(() => new PkSampler(new[] { 0, 0, 1, 2, 2, 3 }, 3, 4));
        Assert.Equal(
            "the training data has 2 identities with at least 2 images (4 identities, 6 images in all) but a batch needs P = 3; lower P or add images",
            ex.Message);
    }

    [Theory]
    [InlineData(1, 4, "identities per batch (P) is 1")]
    [InlineData(4, 1, "images per identity (K) is 1")]
    public void P_and_K_below_two_are_rejected(int p, int k, string message)
    {
        var ex = Assert.Throws<TrainerException>(() => new PkSampler(IdentityOfImage, p, k));
        Assert.StartsWith(message, ex.Message);
    }
}
