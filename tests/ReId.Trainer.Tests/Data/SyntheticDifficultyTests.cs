using OpenCvSharp;
using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

/// <summary>
/// The synthetic set must be worth training on: a colour-histogram nearest neighbour, the cue an
/// untrained network mostly has, should do better than chance (the same person looks alike across
/// cameras) but be far from solving it (shared palettes, camera casts, facing and occlusion get in the way).
/// </summary>
public sealed class SyntheticDifficultyTests
{
    [Fact]
    public void Colour_histogram_nearest_neighbour_is_above_chance_but_far_from_perfect()
    {
        using var folder = new TempFolder();
        SyntheticDataset.Write(new SyntheticDatasetOptions
        {
            Identities = 60, ImagesPerIdentity = 8, Cameras = 4, Seed = 11, Height = 128, Width = 64,
        }, folder.Root);
        var d = Market1501Layout.Load(folder.Root);
        var gallery = d.Gallery.Select(g => (Image: g, Hist: Histogram(g.Path))).ToList();

        int hits = 0;
        foreach (var q in d.Query)
        {
            using var qh = Histogram(q.Path);
            // Market protocol: same person in the same camera is not a valid match, so it is left out.
            var best = gallery
                .Where(g => !(g.Image.PersonId == q.PersonId && g.Image.CameraId == q.CameraId))
                .MinBy(g => Cv2.CompareHist(qh, g.Hist, HistCompMethods.Bhattacharyya))!;
            if (best.Image.PersonId == q.PersonId) hits++;
        }
        foreach (var g in gallery) g.Hist.Dispose();

        double rank1 = (double)hits / d.Query.Count;
        double chance = 1.0 / d.Query.Select(q => q.PersonId).Distinct().Count();
        Assert.True(rank1 > 2 * chance, $"histogram rank-1 {rank1:F3} is not above chance {chance:F3}: identities are not consistent");
        Assert.True(rank1 < 0.9, $"histogram rank-1 {rank1:F3}: the set is too easy");
    }

    /// <summary>
    /// Hue/saturation/value histograms of the upper and lower body (the centre of the crop), stacked and
    /// L1-normalised. Over the whole crop the background dominates and the nearest neighbour is always
    /// someone else from the query's own camera (rank-1 0), which says nothing about the people.
    /// </summary>
    private static Mat Histogram(string path)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        using var hsv = new Mat();
        Cv2.CvtColor(bgr, hsv, ColorConversionCodes.BGR2HSV);
        int w = hsv.Cols, h = hsv.Rows;
        var parts = new Mat[2];
        for (int i = 0; i < 2; i++)
        {
            var stripe = new Rect(w / 4, h / 8 + i * (h * 7 / 16), w / 2, h * 7 / 16);
            using var roi = new Mat(hsv, stripe);
            using var cube = new Mat();
            Cv2.CalcHist([roi], [0, 1, 2], null, cube, 3, [16, 4, 4], [new Rangef(0, 180), new Rangef(0, 256), new Rangef(0, 256)]);
            parts[i] = cube.Reshape(1, 16 * 4 * 4);
        }
        var hist = new Mat();
        Cv2.VConcat(parts, hist);
        foreach (var p in parts) p.Dispose();
        Cv2.Normalize(hist, hist, 1, 0, NormTypes.L1);
        return hist;
    }
}
