using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

public sealed class TrainingSetTests
{
    [Fact]
    public void Labels_are_dense_in_person_id_order_and_distractors_and_junk_are_left_out()
    {
        var images = new[]
        {
            new ReIdImage("a", "0007", 1, ImageLabel.Identity),
            new ReIdImage("b", "0000", 1, ImageLabel.Distractor),
            new ReIdImage("c", "0002", 2, ImageLabel.Identity),
            new ReIdImage("d", "-1", 2, ImageLabel.Junk),
            new ReIdImage("e", "0007", 3, ImageLabel.Identity),
        };
        var set = TrainingSet.From(images);

        Assert.Equal(new[] { "a", "c", "e" }, set.Images.Select(i => i.Path));
        Assert.Equal(new[] { 1, 0, 1 }, set.Labels);
        Assert.Equal(new[] { "0002", "0007" }, set.PersonIds);
        Assert.Equal(2, set.IdentityCount);
    }
}
