using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using ReId.Core.Evaluation;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Data;

/// <summary>Which ground-truth boxes of a scene become training crops.</summary>
/// <param name="TestScenes">The last this many scenes give the query/gallery split (people never trained on); at least one.</param>
/// <param name="Every">Frames between two crops of one person in one camera: neighbouring frames are near copies.</param>
/// <param name="MaxPerCamera">Crops of one person in one camera at most, spread over the visit.</param>
/// <param name="MinVisibility">
/// Boxes whose person is less visible than this (the gt.txt visibility column) are skipped: the crop of
/// someone mostly hidden shows the person in front, and training on it under the hidden person's label
/// teaches the model that two people look alike.
/// </param>
/// <param name="MinHeight">Boxes shorter than this (pixels) are too coarse to learn from.</param>
public sealed record SceneCropsOptions(
    int TestScenes = 1,
    int Every = 5,
    int MaxPerCamera = 8,
    float MinVisibility = 0.8f,
    int MinHeight = 64)
{
    /// <summary>The first problem as one line naming the option, or null.</summary>
    public string? Validate() =>
        TestScenes < 1 ? $"--test-scenes must be at least 1 (got {TestScenes}): training reads a query/gallery split too"
        : Every < 1 ? $"--every must be at least 1 frame (got {Every})"
        : MaxPerCamera < 1 ? $"--max-per-camera must be at least 1 (got {MaxPerCamera})"
        : MinVisibility is < 0 or > 1 ? $"--min-visibility must be between 0 and 1 (got {MinVisibility.ToString(CultureInfo.InvariantCulture)})"
        : MinHeight < 16 ? $"--min-height must be at least 16 pixels (got {MinHeight})"
        : null;
}

public sealed record SceneCropsSummary(int Scenes, int TrainIdentities, int TrainImages, int TestIdentities, int QueryImages, int GalleryImages);

/// <summary>
/// Labelled person crops cut from scenes rendered by <c>reid synth-scene</c>, in the Market-1501 layout.
/// Unlike <c>reid-train synth</c>'s single crops these are people as the worker meets them: walking
/// through real perspective, cut by the ground-truth box (neighbours and all), with each camera's colour
/// cast and video compression, seen from the side each camera faces. Every scene's people are new people
/// (a person's look comes from the scene's seed), so each (scene, person) is one identity.
/// </summary>
public static class SceneCrops
{
    public static SceneCropsSummary Write(IReadOnlyList<string> scenes, string root, SceneCropsOptions options, Action<string>? progress = null)
    {
        if (options.Validate() is { } problem) throw new TrainerException(problem);
        if (scenes.Count == 0) throw new TrainerException("no --scene given; pass folders written by `reid synth-scene`");
        // Every scene is checked before anything is written, so a typo does not leave half a dataset.
        foreach (string scene in scenes)
            if (!File.Exists(Path.Combine(scene, "identities.json")))
                throw new TrainerException($"--scene '{scene}' has no identities.json; pass a folder written by `reid synth-scene`");
        if (options.TestScenes >= scenes.Count)
            throw new TrainerException($"--test-scenes {options.TestScenes} leaves no scene of the {scenes.Count} given for training");
        var (train, gallery, query) = Market1501Layout.CreateEmpty(root, "scene-crops");

        int nextIdentity = 1, trainIds = 0, trainImages = 0, testIds = 0, queryImages = 0, galleryImages = 0;
        for (int s = 0; s < scenes.Count; s++)
        {
            bool isTest = s >= scenes.Count - options.TestScenes;
            var crops = CutScene(scenes[s], options);
            try
            {
                foreach (var person in crops.GroupBy(c => c.Person).OrderBy(g => g.Key))
                {
                    int id = nextIdentity++;
                    if (id > 9999) throw new TrainerException("more than 9999 people in the scenes given; Market-1501 names have four-digit ids");
                    var byCamera = person.GroupBy(c => c.Camera).ToList();
                    // A test person seen by one camera only has no cross-camera match: gallery only (a distractor of sorts).
                    bool queryable = isTest && byCamera.Count >= 2;
                    if (isTest) testIds++; else trainIds++;
                    foreach (var camera in byCamera)
                    {
                        bool first = true;
                        foreach (var crop in camera)
                        {
                            string folder = !isTest ? train : queryable && first ? query : gallery;
                            Save(crop.Image, folder, id, camera.Key, crop.Frame);
                            if (!isTest) trainImages++;
                            else if (folder == query) queryImages++;
                            else galleryImages++;
                            first = false;
                        }
                    }
                }
            }
            finally
            {
                foreach (var crop in crops) crop.Image.Dispose();
            }
            progress?.Invoke($"{s + 1}/{scenes.Count} scenes cut ({scenes[s]})");
        }
        if (queryImages == 0)
            throw new TrainerException($"the last {options.TestScenes} scene(s) show nobody clearly in two cameras, so there is no query; "
                + "render longer scenes (synth-scene --frames) or keep more of them for testing (--test-scenes)");
        return new SceneCropsSummary(scenes.Count, trainIds, trainImages, testIds, queryImages, galleryImages);
    }

    private sealed record SceneCrop(int Person, int Camera, int Frame, Mat Image);

    private sealed record GtRow(int Frame, int Person, Rect Box, float Visibility);

    /// <summary>Crops of every person in every camera of one scene; the caller owns (disposes) the images.</summary>
    private static List<SceneCrop> CutScene(string scene, SceneCropsOptions options)
    {
        string identities = Path.Combine(scene, "identities.json");
        List<(string Video, string Gt)> cameras;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(identities));
            cameras = json.RootElement.GetProperty("cameras").EnumerateArray()
                .Select(c => (Path.Combine(scene, c.GetProperty("video").GetString()!), Path.Combine(scene, c.GetProperty("gt").GetString()!)))
                .ToList();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new TrainerException($"'{identities}' is not a synth-scene identities.json (no cameras with video and gt): {ex.Message}");
        }

        var crops = new List<SceneCrop>();
        try
        {
            for (int c = 0; c < cameras.Count; c++)
            {
                var wanted = Choose(ReadGt(cameras[c].Gt), options).ToLookup(r => r.Frame);
                using var capture = new VideoCapture(cameras[c].Video);
                if (!capture.IsOpened())
                    throw new TrainerException($"cannot open video '{cameras[c].Video}'; re-render the scene with `reid synth-scene`");
                using var frame = new Mat();
                for (int number = 1; capture.Read(frame) && !frame.Empty(); number++)
                    foreach (var row in wanted[number])
                    {
                        // Only whole people: a box cut by the frame edge shows part of someone.
                        if (row.Box.Intersect(new Rect(0, 0, frame.Width, frame.Height)) != row.Box) continue;
                        using var view = new Mat(frame, row.Box);
                        crops.Add(new SceneCrop(row.Person, c + 1, number, view.Clone()));
                    }
            }
        }
        catch
        {
            foreach (var crop in crops) crop.Image.Dispose();
            throw;
        }
        return crops;
    }

    /// <summary>
    /// Per person and camera: visible, whole and big enough boxes, at least <see cref="SceneCropsOptions.Every"/>
    /// frames apart, then at most <see cref="SceneCropsOptions.MaxPerCamera"/> of them evenly spread.
    /// </summary>
    private static IEnumerable<GtRow> Choose(IEnumerable<GtRow> rows, SceneCropsOptions options)
    {
        foreach (var person in rows.GroupBy(r => r.Person))
        {
            var spaced = new List<GtRow>();
            foreach (var row in person.OrderBy(r => r.Frame))
                if (row.Visibility >= options.MinVisibility && row.Box.Height >= options.MinHeight
                    && (spaced.Count == 0 || row.Frame - spaced[^1].Frame >= options.Every))
                    spaced.Add(row);
            int n = Math.Min(options.MaxPerCamera, spaced.Count);
            for (int k = 0; k < n; k++)
                yield return spaced[(int)((long)k * spaced.Count / n)];
        }
    }

    /// <summary>
    /// The scene's gt.txt as rows to cut (rows flagged 0 are out of evaluation). synth-scene writes whole-pixel
    /// boxes and a visibility for every row; a row without one counts as fully visible.
    /// </summary>
    private static List<GtRow> ReadGt(string path)
    {
        IReadOnlyList<MotRow> rows;
        try
        {
            rows = MotChallengeFile.Read(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FormatException)
        {
            throw new TrainerException($"{ex.Message} (ground truth of a `reid synth-scene` scene; re-render it)");
        }
        return rows.Where(r => r.Conf != 0)
            .Select(r => new GtRow(r.Frame, r.Id,
                new Rect((int)Math.Round(r.X), (int)Math.Round(r.Y), (int)Math.Round(r.Width), (int)Math.Round(r.Height)),
                (float)(r.Visibility ?? 1.0)))
            .ToList();
    }

    private static void Save(Mat crop, string folder, int person, int camera, int frame)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"{person:D4}_c{camera}s1_{frame:D6}_01.jpg");
        if (!Cv2.ImWrite(Path.Combine(folder, name), crop, new ImageEncodingParam(ImwriteFlags.JpegQuality, 95)))
            throw new TrainerException($"could not write '{Path.Combine(folder, name)}'");
    }
}
