using System.Text.Json;
using ReId.Core.Events;

namespace ReId.IntegrationTests;

/// <summary>What a replay left in its output folder, parsed.</summary>
public sealed class ReplayOutput(string directory)
{
    public string Directory { get; } = directory;

    public IReadOnlyList<string> EventLines => File.ReadAllLines(Path.Combine(Directory, "events.jsonl"));

    public IReadOnlyList<TrackEvent> Events => EventLines.Select(TrackEventJson.Deserialize).ToList();

    public JsonElement Summary => JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "summary.json"))).RootElement;

    public string CameraDir(string cameraId) => Path.Combine(Directory, cameraId);

    /// <summary>Rows of a MOTChallenge tracks.txt: frame, id, left, top, width, height.</summary>
    public IReadOnlyList<(long Frame, int Id, float X, float Y, float W, float H)> Tracks(string cameraId) =>
        File.ReadAllLines(Path.Combine(CameraDir(cameraId), "tracks.txt")).Select(line =>
        {
            var f = line.Split(',');
            Assert.Equal(10, f.Length);
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            return (long.Parse(f[0], inv), int.Parse(f[1], inv), float.Parse(f[2], inv), float.Parse(f[3], inv),
                float.Parse(f[4], inv), float.Parse(f[5], inv));
        }).ToList();
}
