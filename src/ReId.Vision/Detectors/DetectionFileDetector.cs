using System.Globalization;
using ReId.Core.Geometry;

namespace ReId.Vision.Detectors;

/// <summary>
/// Public detections from a MOTChallenge det.txt file
/// (<c>frame,id,left,top,width,height,score,...</c>, frames 1-based), so tracking and
/// re-identification can be measured independently of the detector, as MOT benchmarks do.
/// </summary>
public sealed class DetectionFileDetector : IDetector
{
    private readonly Dictionary<long, Detection[]> _byFrame;
    private readonly string _path;

    public DetectionFileDetector(string path, float minScore = float.NegativeInfinity)
    {
        _path = path;
        _byFrame = Load(path, minScore);
    }

    public string Name => "file:" + Path.GetFileName(_path);

    public int FrameCount => _byFrame.Count;

    public IReadOnlyList<Detection> Detect(Frame frame)
    {
        if (!_byFrame.TryGetValue(frame.Number, out var detections)) return [];
        // Detections outside the decoded frame would give empty crops later; clip them here.
        var clipped = new List<Detection>(detections.Length);
        foreach (var d in detections)
        {
            var box = d.Box.ClipTo(frame.Width, frame.Height);
            if (box.Area > 0) clipped.Add(d with { Box = box });
        }
        return clipped;
    }

    public static Dictionary<long, Detection[]> Load(string path, float minScore = float.NegativeInfinity)
    {
        if (!File.Exists(path))
            throw new FormatException($"detection file '{path}' does not exist; pass --detections with a MOTChallenge det.txt");
        var lists = new Dictionary<long, List<Detection>>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            string[] f = line.Split(',');
            if (f.Length < 7)
                throw new FormatException($"detection file '{path}' line {lineNumber}: expected 'frame,id,left,top,width,height,score', got '{Truncate(line)}'; use MOTChallenge det.txt format");
            var v = new double[7];
            for (int i = 0; i < 7; i++)
                if (!double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]))
                    throw new FormatException($"detection file '{path}' line {lineNumber}: field {i + 1} '{f[i].Trim()}' is not a number; use MOTChallenge det.txt format");
            long frame = (long)v[0];
            if (frame < 1 || frame != v[0])
                throw new FormatException($"detection file '{path}' line {lineNumber}: frame '{f[0].Trim()}' must be a whole number >= 1 (MOTChallenge frames are 1-based)");
            if (v[4] <= 0 || v[5] <= 0)
                throw new FormatException($"detection file '{path}' line {lineNumber}: width and height must be positive, got {f[4].Trim()}x{f[5].Trim()}");
            if (v[6] < minScore) continue;
            if (!lists.TryGetValue(frame, out var list)) lists[frame] = list = [];
            list.Add(new Detection(new Box((float)v[2], (float)v[3], (float)v[4], (float)v[5]), (float)v[6]));
        }
        if (lineNumber == 0)
            throw new FormatException($"detection file '{path}' is empty; pass a MOTChallenge det.txt with at least one detection");
        return lists.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";

    public void Dispose() { }
}
