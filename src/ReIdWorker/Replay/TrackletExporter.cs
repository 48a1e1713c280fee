using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Vision;
using ReId.Vision.Imaging;
using ReIdWorker.Cli;

namespace ReIdWorker.Replay;

/// <summary>How tracks are cut into pseudo-identities for training without labels.</summary>
/// <param name="Directory">Root of the folder-per-identity output.</param>
/// <param name="Every">Frames between two crops of one track: neighbouring frames are near copies.</param>
/// <param name="MaxPerTrack">Crops kept per track, so a person who stands still does not dominate training.</param>
/// <param name="MinPerTrack">Tracks with fewer crops are dropped: too short to be a reliable identity.</param>
/// <param name="MinHeight">Crops shorter than this (pixels) are too coarse to learn from.</param>
/// <param name="JpegQuality">OpenCV JPEG quality, 0-100.</param>
public sealed record TrackletExportOptions(
    string Directory,
    int Every = 5,
    int MaxPerTrack = 40,
    int MinPerTrack = 4,
    int MinHeight = 64,
    int JpegQuality = 95)
{
    /// <summary>The first problem as one line naming the option, or null.</summary>
    public string? Validate() =>
        Every < 1 ? $"--tracklet-every must be at least 1 frame (got {Every})"
        : MinPerTrack < 2 ? $"--tracklet-min-crops must be at least 2 (got {MinPerTrack}): an identity needs a positive pair"
        : MaxPerTrack < MinPerTrack ? $"--tracklet-max-crops ({MaxPerTrack}) must be at least --tracklet-min-crops ({MinPerTrack})"
        : MinHeight < 16 ? $"--tracklet-min-height must be at least 16 pixels (got {MinHeight})"
        : JpegQuality is < 1 or > 100 ? $"JPEG quality must be 1-100 (got {JpegQuality})"
        : null;
}

/// <summary>What an export wrote; also saved as tracklets.json in the export folder.</summary>
public sealed record TrackletExportSummary(
    [property: JsonPropertyName("tracklets")] int Tracklets,
    [property: JsonPropertyName("crops")] int Crops,
    [property: JsonPropertyName("droppedTracks")] int DroppedTracks,
    [property: JsonPropertyName("droppedCrops")] int DroppedCrops,
    [property: JsonPropertyName("cameras")] IReadOnlyDictionary<string, int> Cameras,
    [property: JsonPropertyName("every")] int Every,
    [property: JsonPropertyName("maxPerTrack")] int MaxPerTrack,
    [property: JsonPropertyName("minPerTrack")] int MinPerTrack,
    [property: JsonPropertyName("minHeight")] int MinHeight);

/// <summary>
/// Mines training data from footage without labels: each local track becomes a pseudo-identity
/// in the folder-per-identity layout the trainer reads, <c>&lt;camera&gt;_t&lt;track&gt;/t&lt;track&gt;_c&lt;N&gt;_f&lt;frame&gt;.jpg</c>.
/// The <c>cN</c> token is the 1-based input number (the trainer reads cameras from it), the
/// <c>fNNNNNN</c> token the frame number (so tracklets can be split by time). A track is trusted as
/// one person only once it has <see cref="TrackletExportOptions.MinPerTrack"/> crops; until then its
/// crops wait in memory as JPEG bytes, and a track that never gets there is dropped.
/// Used from the replay's single processing loop; crops are cut before the frame is annotated.
/// </summary>
public sealed class TrackletExporter
{
    public const string SummaryFile = "tracklets.json";

    /// <summary>
    /// A short track unseen for this many frames is given up on: it keeps a long replay's memory
    /// bounded and trackers do not revive a track after that long.
    /// </summary>
    private const int StaleFrames = 300;

    private sealed class TrackletState(string folder)
    {
        public readonly string Folder = folder;
        public readonly List<(long Frame, byte[] Jpeg)> Pending = [];
        public int Written;
        public long? LastCropFrame;
        public long LastSeenFrame;
        public bool Closed;
    }

    private readonly TrackletExportOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Camera, int Track), TrackletState> _tracks = [];
    private readonly Dictionary<string, int> _cameraNumbers = new(StringComparer.Ordinal);
    private readonly int[] _jpegParams;
    private int _droppedTracks, _droppedCrops;

    public TrackletExporter(TrackletExportOptions options, ILogger logger)
    {
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _logger = logger;
        _jpegParams = [(int)ImwriteFlags.JpegQuality, options.JpegQuality];
    }

    public TrackletExportOptions Options => _options;

    /// <summary>Set by <see cref="Finish"/>.</summary>
    public TrackletExportSummary? Summary { get; private set; }

    /// <summary>
    /// Refuses a folder that already holds files: tracks of another replay would share its folder
    /// names (track ids restart at 1) and silently merge different people into one identity.
    /// </summary>
    public static void PrepareFolder(string directory)
    {
        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
            throw new UserInputException($"--export-tracklets folder '{directory}' is not empty; export into a new or empty folder (tracks of two replays would merge)");
        System.IO.Directory.CreateDirectory(directory);
    }

    /// <summary>Registers a camera; its 1-based number is the cN token of its crop names.</summary>
    public void AddCamera(string cameraId) => _cameraNumbers.TryAdd(cameraId, _cameraNumbers.Count + 1);

    /// <summary>Cuts the due crops of the tracks visible in <paramref name="frame"/>. Does not keep the frame.</summary>
    public void Add(Frame frame, IReadOnlyList<TrackMark> marks)
    {
        string camera = frame.CameraId;
        AddCamera(camera);
        foreach (var mark in marks)
        {
            var key = (camera, mark.TrackId);
            if (!_tracks.TryGetValue(key, out var state))
                _tracks[key] = state = new TrackletState($"{ReplayRunner.SafeName(camera)}_t{mark.TrackId:D5}");
            state.LastSeenFrame = frame.Number;
            if (state.Closed || state.Written + state.Pending.Count >= _options.MaxPerTrack) continue;
            if (frame.Number - state.LastCropFrame < _options.Every) continue; // null (no crop yet) compares false
            if (!IsUsable(mark.Box, frame.Width, frame.Height)) continue;

            state.LastCropFrame = frame.Number;
            state.Pending.Add((frame.Number, Encode(frame.Image, mark.Box)));
            if (state.Written + state.Pending.Count >= _options.MinPerTrack) Flush(camera, mark.TrackId, state);
        }
        GiveUpStale(camera, frame.Number);
    }

    /// <summary>Drops the tracks still too short when the footage ends, and writes the summary.</summary>
    public TrackletExportSummary Finish()
    {
        foreach (var state in _tracks.Values) Drop(state);
        var perCamera = _cameraNumbers.Keys.ToDictionary(c => c, c => _tracks.Count(t => t.Key.Camera == c && t.Value.Written > 0), StringComparer.Ordinal);
        var summary = new TrackletExportSummary(
            _tracks.Values.Count(t => t.Written > 0), _tracks.Values.Sum(t => t.Written), _droppedTracks, _droppedCrops, perCamera,
            _options.Every, _options.MaxPerTrack, _options.MinPerTrack, _options.MinHeight);
        File.WriteAllText(Path.Combine(_options.Directory, SummaryFile), JsonSerializer.Serialize(summary, SummaryJson.Options));
        _logger.LogInformation("Exported {Tracklets} tracklets ({Crops} crops) to {Directory}; dropped {Dropped} tracks shorter than {Min} crops ({DroppedCrops} crops)",
            summary.Tracklets, summary.Crops, _options.Directory, summary.DroppedTracks, _options.MinPerTrack, summary.DroppedCrops);
        Summary = summary;
        return summary;
    }

    /// <summary>
    /// Whole boxes only: a box cut by the frame edge is part of a person, and a tall-enough box is
    /// needed for the detail that tells people apart.
    /// </summary>
    private bool IsUsable(Box box, int width, int height) =>
        box.X >= 0 && box.Y >= 0 && box.Right <= width && box.Bottom <= height && box.Height >= _options.MinHeight && box.Width >= 1;

    private byte[] Encode(Mat image, Box box)
    {
        using var roi = new Mat(image, CropPreprocessor.ToPixelRect(box, image.Width, image.Height));
        Cv2.ImEncode(".jpg", roi, out byte[] jpeg, _jpegParams);
        return jpeg;
    }

    private void Flush(string camera, int track, TrackletState state)
    {
        string folder = Path.Combine(_options.Directory, state.Folder);
        System.IO.Directory.CreateDirectory(folder);
        int cameraNumber = _cameraNumbers[camera];
        foreach (var (frame, jpeg) in state.Pending)
            File.WriteAllBytes(Path.Combine(folder, CropName(track, cameraNumber, frame)), jpeg);
        state.Written += state.Pending.Count;
        state.Pending.Clear();
    }

    /// <summary>The crop's file name; the trainer reads the camera from cN and the frame from fNNNNNN.</summary>
    public static string CropName(int track, int cameraNumber, long frame) =>
        string.Create(CultureInfo.InvariantCulture, $"t{track:D5}_c{cameraNumber}_f{frame:D6}.jpg");

    private void GiveUpStale(string camera, long frameNumber)
    {
        if (frameNumber % 100 != 0) return; // a sweep now and then is enough to bound memory
        var stale = _tracks.Where(t => t.Key.Camera == camera && t.Value.Written == 0 && frameNumber - t.Value.LastSeenFrame > StaleFrames).ToList();
        foreach (var (key, state) in stale)
        {
            Drop(state);
            _tracks.Remove(key);
        }
    }

    private void Drop(TrackletState state)
    {
        if (!state.Closed && state.Written == 0)
        {
            _droppedTracks++;
            _droppedCrops += state.Pending.Count;
        }
        state.Pending.Clear();
        state.Closed = true;
    }
}
