using System.Security.Cryptography;
using OpenCvSharp;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

/// <summary>One small synthetic set shared by the tests that only read it.</summary>
public sealed class SmallSyntheticSet : IDisposable
{
    public static readonly SyntheticDatasetOptions Options = new()
    {
        Identities = 12, ImagesPerIdentity = 6, Cameras = 3, Seed = 5, Height = 128, Width = 64,
    };

    public SmallSyntheticSet()
    {
        Summary = SyntheticDataset.Write(Options, Folder.Root);
        Dataset = Market1501Layout.Load(Folder.Root);
    }

    internal TempFolder Folder { get; } = new();
    public SyntheticDatasetSummary Summary { get; }
    public ReIdDataset Dataset { get; }

    public void Dispose() => Folder.Dispose();
}

public sealed class SyntheticDatasetTests(SmallSyntheticSet set) : IClassFixture<SmallSyntheticSet>
{
    [Fact]
    public void Writes_a_market_layout_with_disjoint_train_and_test_identities_over_all_cameras()
    {
        var d = set.Dataset;
        var trainIds = d.Train.Select(i => i.PersonId).ToHashSet();
        var testIds = d.Query.Concat(d.Gallery).Where(i => i.Label == ImageLabel.Identity).Select(i => i.PersonId).ToHashSet();

        Assert.Equal(6, trainIds.Count);
        Assert.Equal(6, testIds.Count);
        Assert.Empty(trainIds.Intersect(testIds));
        Assert.Equal(6 * 6, d.Train.Count);
        Assert.All(d.Train, i => Assert.Equal(ImageLabel.Identity, i.Label));
        Assert.Equal(new[] { 1, 2, 3 }, d.Train.Select(i => i.CameraId!.Value).Distinct().Order());
        Assert.Equal(new[] { 1, 2, 3 }, d.Query.Select(i => i.CameraId!.Value).Distinct().Order());

        // One query per camera (3 of each test identity's 6 images), all in different cameras.
        Assert.All(d.Query.GroupBy(i => i.PersonId), g =>
        {
            Assert.Equal(3, g.Count());
            Assert.Equal(3, g.Select(i => i.CameraId).Distinct().Count());
        });
        // Every query has a gallery match in another camera, which the Market protocol needs.
        Assert.All(d.Query, q => Assert.Contains(d.Gallery, g => g.PersonId == q.PersonId && g.CameraId != q.CameraId));

        int distractors = d.Gallery.Count(i => i.Label == ImageLabel.Distractor);
        Assert.True(distractors >= 1);
        Assert.Equal(set.Summary.Distractors, distractors);
        Assert.Equal(set.Summary.GalleryImages, d.Gallery.Count);
        Assert.Equal(set.Summary.QueryImages, d.Query.Count);
    }

    [Fact]
    public void Images_decode_at_the_requested_size()
    {
        var d = set.Dataset;
        foreach (var image in d.Train.Take(5).Concat(d.Query.Take(3)).Concat(d.Gallery.Where(i => i.Label == ImageLabel.Distractor)))
        {
            using var m = Cv2.ImRead(image.Path, ImreadModes.Color);
            Assert.False(m.Empty(), image.Path);
            Assert.Equal((128, 64), (m.Rows, m.Cols));
        }
    }

    [Fact]
    public void Same_seed_writes_the_same_files_and_another_seed_does_not()
    {
        using var again = new TempFolder();
        using var other = new TempFolder();
        SyntheticDataset.Write(SmallSyntheticSet.Options, again.Root);
        SyntheticDataset.Write(SmallSyntheticSet.Options with { Seed = 6 }, other.Root);

        var first = Hashes(set.Folder.Root);
        Assert.Equal(first, Hashes(again.Root));
        var changed = Hashes(other.Root);
        Assert.Equal(first.Keys, changed.Keys);
        Assert.NotEqual(first.Values, changed.Values);
    }

    [Fact]
    public void Refuses_a_non_empty_output_folder()
    {
        var ex = Assert.Throws<TrainerException>(() => SyntheticDataset.Write(SmallSyntheticSet.Options, set.Folder.Root));
        Assert.Contains("is not empty", ex.Message);
    }

    [Theory]
    [InlineData("--identities", "3", "--identities must be between 4 and 9999 (got 3)")]
    [InlineData("--images-per-identity", "2", "--images-per-identity must be between 4 and 999 (got 2)")]
    [InlineData("--cameras", "1", "--cameras must be between 2 and 9 (got 1)")]
    [InlineData("--height", "8", "--height must be between 32 and 1024 (got 8)")]
    public void Bad_options_give_one_line_naming_the_option(string option, string value, string expected)
    {
        using var folder = new TempFolder();
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = TrainerCli.Run(["synth", "--out", folder.Root, option, value], stdout, stderr);

        Assert.Equal(1, code);
        string line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"reid-train: {expected}", line);
        Assert.False(Directory.Exists(folder.Path(Market1501Layout.TrainFolder)));
    }

    [Fact]
    public void Cli_writes_the_set_and_summarises_it()
    {
        using var folder = new TempFolder();
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = TrainerCli.Run(["synth", "--out", folder.Root, "--identities", "4", "--images-per-identity", "4",
            "--cameras", "2", "--height", "64", "--width", "32"], stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("train: 2 identities, 8 images", stdout.ToString());
        Assert.Contains("test: 2 identities, 4 query, 5 gallery images (1 distractors)", stdout.ToString());
        Assert.Equal(8, Market1501Layout.Load(folder.Root).Train.Count);
    }

    private static SortedDictionary<string, string> Hashes(string root) => new(
        Directory.EnumerateFiles(root, "*.jpg", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);
}
