using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

/// <summary>
/// Tracklets as <c>reid replay --export-tracklets</c> names them; the end-to-end export from real
/// footage is in ReId.IntegrationTests/TrackletExportTests.
/// </summary>
public class TrackletSplitTests
{
    private static string Crop(int track, int camera, int frame) => $"t{track:D5}_c{camera}_f{frame:D6}.jpg";

    /// <summary>Tracklet (camera, track) seen at every 5th frame of [from, to].</summary>
    private static TempFolder Tracklet(TempFolder dir, string camera, int cameraNumber, int track, int from, int to)
    {
        var names = Enumerable.Range(0, (to - from) / 5 + 1).Select(i => Crop(track, cameraNumber, from + 5 * i)).ToArray();
        return dir.Files(Path.Combine("t", $"{camera}_t{track:D5}"), names);
    }

    [Fact]
    public void CropNamesCarryCameraAndFrameForTheFolderLayout()
    {
        Assert.Equal(451, TrackletSplit.FrameOf("/x/vtest_t00012/t00012_c2_f000451.jpg"));
        Assert.Equal(2, FolderPerIdentityLayout.CameraOf("/x/vtest_t00012/t00012_c2_f000451.jpg"));
        Assert.Null(TrackletSplit.FrameOf("0001_c1s1_000451_00.jpg"));
        Assert.Null(TrackletSplit.FrameOf("fred.jpg"));
    }

    [Fact]
    public void SplitsByTimeIntoTrainingAndHalvedQueryGallery()
    {
        using var dir = new TempFolder();
        Tracklet(dir, "lobby", 1, 1, 100, 195);   // 20 crops before frame 300: training only
        Tracklet(dir, "lobby", 1, 2, 250, 395);   // 10 before, 20 after: both sides, distinct labels
        Tracklet(dir, "door", 2, 1, 300, 335);    // 8 after: evaluation only; same track number, other camera
        Tracklet(dir, "door", 2, 7, 280, 300);    // 4 before, 1 after: training only
        Tracklet(dir, "door", 2, 9, 310, 315);    // 2 after: too short for two halves of 2
        string outDir = dir.Path("split");

        var s = TrackletSplit.Write(dir.Path("t"), outDir, evalFromFrame: 300);

        Assert.Equal((3, 20 + 10 + 4), (s.TrainTracklets, s.TrainImages));
        Assert.Equal((2, 10 + 4, 10 + 4), (s.EvalTracklets, s.QueryImages, s.GalleryImages));
        Assert.Equal(1, s.SkippedTracklets);
        Assert.True(File.Exists(Path.Combine(outDir, TrackletSplit.SummaryFile)));

        // The result is a Market-1501 folder the trainer and `reid-train eval` read.
        var market = Market1501Layout.Load(outDir);
        Assert.Equal(34, market.Train.Count);
        var trainIds = market.Train.Select(i => i.PersonId).ToHashSet();
        var evalIds = market.Query.Select(i => i.PersonId).ToHashSet();
        Assert.Equal(3, trainIds.Count);
        Assert.Equal(2, evalIds.Count);
        Assert.Empty(trainIds.Intersect(evalIds));
        Assert.Equal(evalIds, market.Gallery.Select(i => i.PersonId).ToHashSet());

        // Per evaluation tracklet: the gallery holds its earlier half, the query its later half,
        // as two cameras derived from its own (2c-1 and 2c), so the protocol counts the match.
        foreach (string person in evalIds)
        {
            var gallery = market.Gallery.Where(i => i.PersonId == person).ToList();
            var query = market.Query.Where(i => i.PersonId == person).ToList();
            Assert.Equal(gallery.Count, query.Count);
            Assert.True(gallery.Select(Frame).Max() < query.Select(Frame).Min());
            Assert.Single(gallery.Select(i => i.CameraId).Distinct());
            Assert.Equal(gallery[0].CameraId + 1, query[0].CameraId);
            Assert.All(query.Concat(gallery), i => Assert.True(Frame(i) >= 300));
        }
        Assert.All(market.Train, i => Assert.True(Frame(i) < 300));
        // Lobby is input 1, door input 2: their evaluation cameras do not collide.
        Assert.Equal([1, 2, 3, 4], market.Query.Concat(market.Gallery).Select(i => i.CameraId!.Value).Distinct().Order());
    }

    /// <summary>The FFFFFF field of a Market-1501 name.</summary>
    private static int Frame(ReIdImage image) => int.Parse(Path.GetFileName(image.Path).Split('_')[2]);

    [Fact]
    public void NamesTheFixWhenOneSideWouldBeEmpty()
    {
        using var dir = new TempFolder();
        Tracklet(dir, "cam", 1, 1, 100, 195);
        Tracklet(dir, "cam", 1, 2, 100, 195);
        var early = Assert.Throws<TrainerException>(() => TrackletSplit.Write(dir.Path("t"), dir.Path("a"), evalFromFrame: 50));
        Assert.Contains("pass a later --eval-from-frame", early.Message);
        var late = Assert.Throws<TrainerException>(() => TrackletSplit.Write(dir.Path("t"), dir.Path("b"), evalFromFrame: 1000));
        Assert.Contains("pass an earlier --eval-from-frame", late.Message);
        Assert.False(Directory.Exists(dir.Path("b")), "a refused split writes nothing");
    }

    [Fact]
    public void RefusesCropsWithoutAFrameNumber()
    {
        using var dir = new TempFolder();
        dir.Files("person1", "a_c1.jpg", "b_c1.jpg");
        var ex = Assert.Throws<TrainerException>(() => TrackletSplit.Write(dir.Root, dir.Path("out"), evalFromFrame: 10));
        Assert.Contains("carries no frame number", ex.Message);
        Assert.Contains("t00012_c1_f000451.jpg", ex.Message);
    }
}
