using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenCvSharp;

namespace ReId.Vision.Synthetic;

/// <summary>What <see cref="SceneGenerator.Write"/> produced.</summary>
/// <param name="StartTime">Wall-clock time of frame 1 in every camera, also every video's modification time.</param>
/// <param name="OverlappingCameras">
/// Pairs of cameras ("cam1,cam2") that see one person in the same frame: the groups to give
/// `reid replay --overlapping-cameras`.
/// </param>
public sealed record SceneOutput(string Directory, IReadOnlyList<SceneCameraOutput> Cameras, string Identities, DateTimeOffset StartTime,
    IReadOnlyList<string> OverlappingCameras);

/// <summary>One camera's files and how many people and ground-truth rows it holds.</summary>
public sealed record SceneCameraOutput(string CameraId, string Video, string GroundTruth, int People, int Rows);

/// <summary>
/// Writes a <see cref="Scene"/> in the MOTChallenge layout: <c>OUT/&lt;cam&gt;/video.avi</c> (MJPG),
/// <c>OUT/&lt;cam&gt;/gt/gt.txt</c> and <c>OUT/&lt;cam&gt;/seqinfo.ini</c>, plus <c>OUT/identities.json</c>
/// with each person's appearance and which (camera, gt id) pairs are the same person.
/// The cameras are synchronised (frame n of every camera is the same instant), and the files say so the way
/// <c>reid replay</c> reads it: every video's modification time is the scene's start time (frame 1), which
/// identities.json also records as <c>startTime</c>.
/// </summary>
public static class SceneGenerator
{
    /// <summary>
    /// A fixed default rather than the time of rendering, so that the same seed still gives the same files
    /// (identities.json and the videos' modification times included).
    /// </summary>
    public static readonly DateTimeOffset DefaultStartTime = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    /// <param name="startTime">Wall-clock time of frame 1 in every camera (default <see cref="DefaultStartTime"/>).</param>
    public static SceneOutput Write(SceneOptions options, string outDir, Action<string>? progress = null, CancellationToken ct = default, DateTimeOffset? startTime = null)
    {
        var start = (startTime ?? DefaultStartTime).ToUniversalTime();
        using var scene = new Scene(options);
        Directory.CreateDirectory(outDir);
        var cameras = new List<SceneCameraOutput>();
        var tracks = new List<object>();
        var seen = new List<(string Camera, HashSet<(int Frame, int Person)> Keys)>();
        foreach (var cam in scene.Cameras)
        {
            string dir = Path.Combine(outDir, cam.Id);
            Directory.CreateDirectory(Path.Combine(dir, "gt"));
            string video = Path.Combine(dir, "video.avi");
            var rows = new List<GroundTruthBox>();
            using (var writer = new VideoWriter(video, FourCC.MJPG, options.Fps, new Size(options.Width, options.Height)))
            {
                if (!writer.IsOpened())
                    throw new IOException($"cannot write '{video}': OpenCV could not open an MJPG writer; check the folder is writable and `reid doctor` shows a video backend");
                for (int f = 1; f <= options.Frames; f++)
                {
                    ct.ThrowIfCancellationRequested();
                    using var frame = scene.Render(cam.Index, f);
                    writer.Write(frame.Image);
                    rows.AddRange(frame.Boxes);
                }
            }
            string gt = Path.Combine(dir, "gt", "gt.txt");
            WriteGroundTruth(gt, rows);
            seen.Add((cam.Id, rows.Select(r => (r.Frame, r.PersonId)).ToHashSet()));
            WriteSeqInfo(Path.Combine(dir, "seqinfo.ini"), cam.Id, options);
            foreach (var g in rows.GroupBy(r => r.PersonId).OrderBy(g => g.Key))
                tracks.Add(new { camera = cam.Id, gtId = g.Key, personId = g.Key, firstFrame = g.Min(r => r.Frame), lastFrame = g.Max(r => r.Frame), frames = g.Count() });
            var output = new SceneCameraOutput(cam.Id, video, gt, rows.Select(r => r.PersonId).Distinct().Count(), rows.Count);
            cameras.Add(output);
            progress?.Invoke($"{cam.Id}: {options.Frames} frames, {output.People} people, {output.Rows} ground-truth rows");
        }

        // The videos are rendered one after another, so their modification times differ by the rendering time,
        // and `reid replay` takes each file's start from it: without this the replay sees synchronised cameras
        // seconds (tens of frames) apart.
        foreach (var c in cameras) File.SetLastWriteTimeUtc(c.Video, start.UtcDateTime);

        string identities = Path.Combine(outDir, "identities.json");
        // Overlap is read from the ground truth rather than the geometry: two views overlap where they show
        // one person in the same frame.
        var overlapping = (from a in seen
                           from b in seen
                           where string.CompareOrdinal(a.Camera, b.Camera) < 0 && a.Keys.Overlaps(b.Keys)
                           select $"{a.Camera},{b.Camera}").ToList();
        WriteIdentities(identities, scene, tracks, start, overlapping);
        return new SceneOutput(outDir, cameras, identities, start, overlapping);
    }

    /// <summary>MOTChallenge gt: <c>frame,id,left,top,width,height,1,1,visibility</c> sorted by id then frame, as MOT17 ships it.</summary>
    private static void WriteGroundTruth(string path, List<GroundTruthBox> rows)
    {
        var text = new StringBuilder();
        foreach (var r in rows.OrderBy(r => r.PersonId).ThenBy(r => r.Frame))
            text.Append(CultureInfo.InvariantCulture, $"{r.Frame},{r.PersonId},{r.Box.X},{r.Box.Y},{r.Box.Width},{r.Box.Height},1,1,{r.Visibility:0.###}\n");
        File.WriteAllText(path, text.ToString());
    }

    private static void WriteSeqInfo(string path, string name, SceneOptions o) =>
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture,
            $"[Sequence]\nname={name}\nimDir=img1\nframeRate={o.Fps}\nseqLength={o.Frames}\nimWidth={o.Width}\nimHeight={o.Height}\nimExt=.jpg\n"));

    private static void WriteIdentities(string path, Scene scene, List<object> tracks, DateTimeOffset start, List<string> overlapping)
    {
        var o = scene.Options;
        var document = new
        {
            generator = "reid synth-scene",
            options = o,
            startTime = start.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            // Worded without + < ` ' so that the default JSON encoder leaves it readable.
            clock = "cameras are synchronised: frame n of every camera is at startTime plus (n - 1) / fps. The video.avi of every camera "
                + "has startTime as its modification time, so replays of the scene (reid replay) get synchronised cameras without --start-time",
            overlappingCameras = overlapping,
            overlap = "pairs of cameras that show one person in the same frame: replay the scene with --overlapping-cameras and these pairs",
            world = new
            {
                units = "metres",
                walkway = new { xMin = scene.XMin, xMax = scene.XMax, yMin = 0.0, yMax = Scene.WalkwayDepth },
                note = "cameras alternate sides of the walkway every " + Scene.CameraSpacing.ToString(CultureInfo.InvariantCulture)
                    + " m; neighbouring views overlap on the far half of the walkway and leave a gap near each camera",
            },
            cameras = scene.Cameras.Select(c => new
            {
                id = c.Id,
                video = $"{c.Id}/video.avi",
                gt = $"{c.Id}/gt/gt.txt",
                side = c.FacesNorth ? "south side, looking north" : "north side, looking south",
                c.CentreX, c.Distance, c.Focal, c.Horizon, c.CameraHeight,
                colourGains = new[] { c.GainB, c.GainG, c.GainR },
                c.Brightness, c.BlurSigma, c.NoiseSigma, c.LightFromLeft,
            }),
            people = scene.People.Select((p, i) => new
            {
                personId = p.PersonId,
                description = p.Describe(),
                walksBeside = scene.Paths[i].LeaderId,
                appearance = p,
            }),
            gtIdRule = "gt id = global person id in every camera",
            tracks,
        };
        var json = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, json));
    }
}
