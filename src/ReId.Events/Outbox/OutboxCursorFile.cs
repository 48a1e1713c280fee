using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ReId.Events.Outbox;

/// <summary>
/// The persisted read cursor: everything before it was delivered. Written to a temporary file, synced, then
/// renamed over the old one, so a crash leaves either the old or the new cursor, never half of one. Losing
/// an update only means re-delivering some events (consumers de-duplicate by event id), never losing them.
/// </summary>
internal sealed class OutboxCursorFile(string directory)
{
    public const string FileName = "cursor";

    private readonly string _path = Path.Combine(directory, FileName);
    private readonly string _temporaryPath = Path.Combine(directory, FileName + ".tmp");

    /// <summary>The stored cursor, or null when there is none yet or it is unreadable (logged).</summary>
    public OutboxPosition? Read(ILogger logger)
    {
        if (!File.Exists(_path))
            return null;
        string text = File.ReadAllText(_path).Trim();
        string[] parts = text.Split(' ');
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long segment)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
            return new OutboxPosition(segment, offset);
        logger.LogError("Outbox cursor {Path} is unreadable ('{Text}'); delivering the outbox from its start (consumers de-duplicate by event id)",
            _path, text.Length > 60 ? text[..60] : text);
        return null;
    }

    public void Write(OutboxPosition cursor)
    {
        using (var stream = new FileStream(_temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(
                string.Create(CultureInfo.InvariantCulture, $"{cursor.Segment} {cursor.Offset}\n")));
            stream.Flush(flushToDisk: true);
        }
        File.Move(_temporaryPath, _path, overwrite: true);
        DirectorySync.Flush(directory);
    }
}
