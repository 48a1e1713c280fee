using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

public sealed class FolderPerIdentityLayoutTests
{
    [Fact]
    public void Each_subfolder_is_an_identity_and_cameras_come_from_cN_tokens()
    {
        using var root = new TempFolder()
            .Files("alice", "c1_0001.jpg", "img_c2_3.PNG", "cam3.jpg", "notes.txt")
            .Files("bob", "0001_c3s1_000151_01.jpg", "x.jpeg")
            .Files("empty");
        var dataset = FolderPerIdentityLayout.Load(root.Root);

        Assert.Equal("folders", dataset.Layout);
        Assert.Equal(new (string, string, int?)[]
        {
            ("alice", "c1_0001.jpg", 1), ("alice", "cam3.jpg", null), ("alice", "img_c2_3.PNG", 2),
            ("bob", "0001_c3s1_000151_01.jpg", 3), ("bob", "x.jpeg", null),
        }, dataset.Train.Select(i => (i.PersonId, Path.GetFileName(i.Path), i.CameraId)));
        Assert.All(dataset.Train, i => Assert.Equal(ImageLabel.Identity, i.Label));
        Assert.Empty(dataset.Query);
        Assert.Empty(dataset.Gallery);
    }

    [Theory]
    [InlineData("track7_c12.jpg", 12)]
    [InlineData("C4-frame9.jpg", 4)]
    [InlineData("disc3.jpg", null)]
    [InlineData("c3po.jpg", null)]
    [InlineData("frame_0042.jpg", null)]
    [InlineData("0001_c3s1_000151_01.jpg", 3)]
    [InlineData("c5", 5)]
    public void Camera_token_must_stand_on_its_own(string name, int? camera) =>
        Assert.Equal(camera, FolderPerIdentityLayout.CameraOf(name));

    [Fact]
    public void Missing_root_is_named()
    {
        using var root = new TempFolder();
        string missing = root.Path("nope");
        var ex = Assert.Throws<TrainerException>(() => FolderPerIdentityLayout.Load(missing));
        Assert.Equal($"dataset folder '{missing}' does not exist", ex.Message);
    }

    [Fact]
    public void Root_without_identity_folders_is_an_error()
    {
        using var root = new TempFolder().Files("empty");
        var ex = Assert.Throws<TrainerException>(() => FolderPerIdentityLayout.Load(root.Root));
        Assert.StartsWith($"'{root.Root}' holds no identities", ex.Message);
    }

    [Fact]
    public void Image_directly_in_the_root_is_named()
    {
        using var root = new TempFolder().Files("alice", "1.jpg").Files(".", "stray.jpg");
        var ex = Assert.Throws<TrainerException>(() => FolderPerIdentityLayout.Load(root.Root));
        Assert.StartsWith($"image '{root.Path("stray.jpg")}' lies directly in", ex.Message);
    }
}
