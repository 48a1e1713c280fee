using ReId.Core.Events;
using ReIdWorker.Cli;

namespace ReIdWorker.Replay;

/// <summary>
/// The global person id each track of a replay ended with, read back from its <c>events.jsonl</c>: the last
/// <c>track.identified</c> of the track, with merged identities followed to the identity that absorbed them.
/// This is what a downstream consumer of the events ends up believing, so it is what the evaluations score.
/// </summary>
public static class FinalIdentities
{
    /// <param name="option">The option that named the file, for the error message (e.g. "--events").</param>
    public static Dictionary<(string Camera, int Track), string> Read(string eventsPath, string option)
    {
        if (!File.Exists(eventsPath))
            throw new UserInputException($"{option} {eventsPath}: no such file; pass the events.jsonl of the `reid replay` that wrote the tracks");
        var final = new Dictionary<(string, int), string>();
        var mergedInto = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(eventsPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            TrackEvent e;
            try { e = TrackEventJson.Deserialize(line); }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or FormatException)
            {
                throw new UserInputException($"{option} {eventsPath}:{lineNumber}: not a track event ({ex.Message}); pass the events.jsonl written by `reid replay`");
            }
            if (e.Type == TrackEventType.Identified && e.PersonId is not null) final[(e.CameraId, e.TrackId)] = e.PersonId;
            else if (e.Type == TrackEventType.IdentityMerged && e.MergedPersonId is not null && e.PersonId is not null) mergedInto[e.MergedPersonId] = e.PersonId;
        }
        string Resolve(string id)
        {
            for (int hops = 0; mergedInto.TryGetValue(id, out var next) && hops < 100; hops++) id = next;
            return id;
        }
        return final.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value));
    }
}
