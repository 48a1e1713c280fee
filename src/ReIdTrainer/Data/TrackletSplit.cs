using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Data;

/// <summary>One crop of an exported tracklet, with the frame it was cut from.</summary>
public sealed record TrackletCrop(string Path, string Tracklet, int Camera, long Frame);

/// <summary>What <see cref="TrackletSplit.Write"/> produced; also saved as split.json.</summary>
public sealed record TrackletSplitSummary(
    [property: JsonPropertyName("evalFromFrame")] long EvalFromFrame,
    [property: JsonPropertyName("trainTracklets")] int TrainTracklets,
    [property: JsonPropertyName("trainImages")] int TrainImages,
    [property: JsonPropertyName("evalTracklets")] int EvalTracklets,
    [property: JsonPropertyName("queryImages")] int QueryImages,
    [property: JsonPropertyName("galleryImages")] int GalleryImages,
    [property: JsonPropertyName("skippedTracklets")] int SkippedTracklets,
    [property: JsonPropertyName("note")] string Note);

/// <summary>
/// Turns tracklets mined by <c>reid replay --export-tracklets</c> into a Market-1501 layout for
/// adapting a model to a site without labels and measuring it there, split by time so the
/// measurement never sees the frames trained on:
/// <list type="bullet">
/// <item>bounding_box_train: crops of frames before <c>evalFromFrame</c>, one identity per tracklet;</item>
/// <item>query / bounding_box_test: crops from <c>evalFromFrame</c> on. Each tracklet's crops in time
/// order are halved: the earlier half goes to the gallery as camera 2c-1, the later half to the
/// query as camera 2c. Rank-1 and mAP then say how often the model links a person's later
/// appearance to their own earlier one rather than to any other tracklet.</item>
/// </list>
/// It is a proxy: a person whose track broke in two counts as two identities (the model is marked
/// wrong for matching them), and it measures a model adapted to the same footage, not a new site.
/// </summary>
public static partial class TrackletSplit
{
    public const string SummaryFile = "split.json";

    public const string ProxyNote =
        "Proxy without labels: each tracklet is one pseudo-identity; query = later half, gallery = earlier half of every tracklet from evalFromFrame on; a model trained on bounding_box_train is adapted to that footage.";

    // The fNNNNNN token reid replay writes after the camera token: t00012_c1_f000451.jpg.
    [GeneratedRegex(@"(?:^|[_\-])f(?<frame>\d+)(?=$|[_\-])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex FrameToken();

    /// <summary>The frame number of a tracklet crop's name, or null.</summary>
    public static long? FrameOf(string path)
    {
        var m = FrameToken().Match(System.IO.Path.GetFileNameWithoutExtension(path));
        return m.Success && long.TryParse(m.Groups["frame"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long f) ? f : null;
    }

    /// <summary>The crops of every tracklet under <paramref name="root"/>, read with the folder-per-identity layout.</summary>
    public static IReadOnlyList<TrackletCrop> Load(string root)
    {
        var dataset = FolderPerIdentityLayout.Load(root);
        return dataset.Train.Select(image =>
        {
            long frame = FrameOf(image.Path) ?? throw new TrainerException(
                $"'{image.Path}' carries no frame number; tracklet crops are named like t00012_c1_f000451.jpg, as `reid replay --export-tracklets` writes them");
            return new TrackletCrop(image.Path, image.PersonId, image.CameraId ?? 1, frame);
        }).ToList();
    }

    /// <param name="minTrainCrops">Crops a tracklet needs before <paramref name="evalFromFrame"/> to be trained on.</param>
    /// <param name="minHalfCrops">Crops each half of an evaluation tracklet needs.</param>
    public static TrackletSplitSummary Write(string tracklets, string outDir, long evalFromFrame, int minTrainCrops = 4, int minHalfCrops = 2)
    {
        if (minTrainCrops < 2) throw new TrainerException($"--min-train-crops must be at least 2 (got {minTrainCrops})");
        if (minHalfCrops < 1) throw new TrainerException($"--min-half-crops must be at least 1 (got {minHalfCrops})");
        var crops = Load(tracklets);
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new TrainerException($"--out '{outDir}' is not empty; pass a new or empty folder");

        // Planned in full before anything is written, so a refused split leaves no half-written folder.
        // Person numbers: training tracklets first, then evaluation ones; a tracklet that spans
        // the split gets one number on each side so the two sets share no label.
        var copies = new List<(TrackletCrop Crop, string Folder, int Person, int Camera)>();
        int person = 0, trainTracklets = 0, trainImages = 0, evalTracklets = 0, queryImages = 0, galleryImages = 0, skipped = 0;
        foreach (var tracklet in crops.GroupBy(c => c.Tracklet).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ordered = tracklet.OrderBy(c => c.Frame).ToList();
            var before = ordered.Where(c => c.Frame < evalFromFrame).ToList();
            var after = ordered.Where(c => c.Frame >= evalFromFrame).ToList();
            bool used = false;
            if (before.Count >= minTrainCrops)
            {
                person++;
                copies.AddRange(before.Select(c => (c, Market1501Layout.TrainFolder, person, c.Camera)));
                trainTracklets++;
                trainImages += before.Count;
                used = true;
            }
            if (after.Count >= 2 * minHalfCrops)
            {
                person++;
                int half = after.Count / 2;
                copies.AddRange(after.Take(half).Select(c => (c, Market1501Layout.GalleryFolder, person, 2 * c.Camera - 1)));
                copies.AddRange(after.Skip(half).Select(c => (c, Market1501Layout.QueryFolder, person, 2 * c.Camera)));
                evalTracklets++;
                galleryImages += half;
                queryImages += after.Count - half;
                used = true;
            }
            if (!used) skipped++;
        }
        if (trainTracklets == 0)
            throw new TrainerException($"no tracklet of '{tracklets}' has {minTrainCrops} crops before frame {evalFromFrame}; pass a later --eval-from-frame or export more footage");
        if (evalTracklets < 2)
            throw new TrainerException($"{evalTracklets} tracklet(s) of '{tracklets}' have {2 * minHalfCrops} crops from frame {evalFromFrame} on, and a ranking needs at least 2; pass an earlier --eval-from-frame or export more footage");

        foreach (string folder in new[] { Market1501Layout.TrainFolder, Market1501Layout.QueryFolder, Market1501Layout.GalleryFolder })
            Directory.CreateDirectory(Path.Combine(outDir, folder));
        foreach (var (crop, folder, id, camera) in copies)
            Copy(crop, Path.Combine(outDir, folder), id, camera);

        var summary = new TrackletSplitSummary(evalFromFrame, trainTracklets, trainImages, evalTracklets, queryImages, galleryImages, skipped, ProxyNote);
        File.WriteAllText(Path.Combine(outDir, SummaryFile), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return summary;
    }

    /// <summary>Market-1501 name PPPP_cCs1_FFFFFF_NN.jpg; the frame keeps the name unique within a tracklet.</summary>
    private static void Copy(TrackletCrop crop, string folder, int person, int camera) =>
        File.Copy(crop.Path, Path.Combine(folder, string.Create(CultureInfo.InvariantCulture,
            $"{person:D4}_c{camera}s1_{crop.Frame:D6}_00{Path.GetExtension(crop.Path).ToLowerInvariant()}")));
}
