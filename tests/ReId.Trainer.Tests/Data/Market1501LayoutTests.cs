using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

public sealed class Market1501LayoutTests
{
    private static TempFolder Market() => new TempFolder()
        .Files("bounding_box_train", "0002_c1s1_000451_03.jpg", "0002_c2s1_000301_01.jpg", "0007_c3s3_001234_02.jpg")
        .Files("query", "0002_c4s1_000101_00.jpg")
        .Files("bounding_box_test", "0000_c1s1_000001_00.jpg", "-1_c2s1_000002_00.jpg", "0007_c6s2_000003_01.jpg", "Thumbs.db");

    [Fact]
    public void Reads_person_camera_and_protocol_label_from_each_name()
    {
        using var market = Market();
        var dataset = Market1501Layout.Load(market.Root);

        Assert.Equal("market1501", dataset.Layout);
        Assert.Equal(new[] { ("0002", 1), ("0002", 2), ("0007", 3) },
            dataset.Train.Select(i => (i.PersonId, i.CameraId!.Value)));
        Assert.All(dataset.Train, i => Assert.Equal(ImageLabel.Identity, i.Label));
        Assert.Equal(market.Path("query", "0002_c4s1_000101_00.jpg"), Assert.Single(dataset.Query).Path);

        // Thumbs.db is not an image and is skipped; -1 sorts before 0000 in ordinal order.
        Assert.Equal(new[] { ("-1", 2, ImageLabel.Junk), ("0000", 1, ImageLabel.Distractor), ("0007", 6, ImageLabel.Identity) },
            dataset.Gallery.Select(i => (i.PersonId, i.CameraId!.Value, i.Label)));
    }

    [Fact]
    public void Missing_root_is_named()
    {
        using var market = Market();
        string missing = market.Path("nope");
        var ex = Assert.Throws<TrainerException>(() => Market1501Layout.Load(missing));
        Assert.Equal($"Market-1501 folder '{missing}' does not exist", ex.Message);
    }

    [Fact]
    public void Missing_split_folder_is_named_with_the_expected_layout()
    {
        using var market = Market();
        Directory.Delete(market.Path("query"), recursive: true);
        var ex = Assert.Throws<TrainerException>(() => Market1501Layout.Load(market.Root));
        Assert.Equal($"'{market.Root}' has no 'query' folder; the Market-1501 layout needs bounding_box_train, bounding_box_test and query", ex.Message);
    }

    [Fact]
    public void Split_folder_without_images_is_an_error()
    {
        using var market = Market();
        foreach (string f in Directory.GetFiles(market.Path("bounding_box_train"))) File.Delete(f);
        var ex = Assert.Throws<TrainerException>(() => Market1501Layout.Load(market.Root));
        Assert.StartsWith($"'{market.Path("bounding_box_train")}' holds no images", ex.Message);
    }

    [Fact]
    public void Image_name_that_does_not_parse_is_named()
    {
        using var market = Market().Files("bounding_box_train", "person2_cam1.jpg");
        var ex = Assert.Throws<TrainerException>(() => Market1501Layout.Load(market.Root));
        Assert.StartsWith($"'{market.Path("bounding_box_train", "person2_cam1.jpg")}' is not a Market-1501 image name", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Split_with_only_distractors_and_junk_has_no_identities()
    {
        using var market = Market();
        File.Delete(market.Path("query", "0002_c4s1_000101_00.jpg"));
        File.WriteAllBytes(market.Path("query", "0000_c4s1_000101_00.jpg"), []);
        var ex = Assert.Throws<TrainerException>(() => Market1501Layout.Load(market.Root));
        Assert.Equal($"'{market.Path("query")}' holds no identities, only distractors (0000) and junk (-1)", ex.Message);
    }

    [Theory]
    [InlineData("1501_c6s4_001877_05.jpg", "1501", 6, ImageLabel.Identity)]
    [InlineData("0000_c3s2_000000_00.jpg", "0000", 3, ImageLabel.Distractor)]
    [InlineData("-1_c1s6_032271_01.jpg", "-1", 1, ImageLabel.Junk)]
    [InlineData("0005_c2_f0046985.jpg", "0005", 2, ImageLabel.Identity)] // DukeMTMC-reID naming
    public void Parse_reads_standard_names(string name, string person, int camera, ImageLabel label)
    {
        var image = Market1501Layout.Parse(name);
        Assert.Equal(new ReIdImage(name, person, camera, label), image);
    }

    [Theory]
    [InlineData("2_1.jpg")]
    [InlineData("abcd_c1s1_000001_01.jpg")]
    [InlineData("0002c1s1_000001_01.jpg")]
    public void Parse_rejects_other_names(string name) => Assert.Null(Market1501Layout.Parse(name));
}
