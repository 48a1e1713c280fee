using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReId.Core.Events;

namespace ReId.Events;

/// <summary>
/// Writes track events as JSON Lines, one schema v1 event per line: the sink for replays, for sites
/// without Kafka, and for reading a run by eye. Several cameras may publish at once.
/// </summary>
/// <remarks>
/// Each line goes to the operating system as it is published (no user-space buffer), so a crash of the
/// worker loses nothing already published; <see cref="FlushAsync"/> additionally forces it onto the disk,
/// which is what survives a power cut.
/// </remarks>
public sealed class JsonlEventSink : IEventSink
{
    /// <summary>
    /// Published but not yet fsync'ed events are remembered so a failed fsync can name them; forcing a sync
    /// every this many events bounds that memory when a caller rarely flushes. (A failure of that forced
    /// sync surfaces from the PublishAsync that triggered it, naming the events it concerns.)
    /// </summary>
    private const int SyncEvery = 10_000;

    private readonly object _gate = new();
    private readonly ILogger _logger;
    private FileStream? _stream;
    private byte[] _line = new byte[1024];
    private List<TrackEvent> _unsynced = [];
    private bool _disposed;

    /// <param name="path">The .jsonl file; its folder is created when missing.</param>
    /// <param name="append">Keep what the file already holds (the default: a restarted worker must not
    /// erase earlier events; consumers de-duplicate by event id). False starts the file afresh.</param>
    public JsonlEventSink(string path, bool append = true, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FilePath = Path.GetFullPath(path);
        Append = append;
        _logger = logger ?? NullLogger.Instance;
    }

    public string FilePath { get; }

    public bool Append { get; }

    public string Describe => "jsonl://" + FilePath;

    public Task CheckReadyAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_gate)
            OpenLocked();
        return Task.CompletedTask;
    }

    public ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(trackEvent);
        ct.ThrowIfCancellationRequested();
        // Serialise outside the lock so cameras only queue for the write itself.
        byte[] json = TrackEventJson.SerializeToUtf8(trackEvent);
        lock (_gate)
        {
            FileStream stream;
            try
            {
                stream = OpenLocked();
            }
            catch (EventSinkNotReadyException ex)
            {
                throw new EventDeliveryException(ex.Message, [trackEvent], ex);
            }

            WriteLineLocked(stream, json, trackEvent);
            _unsynced.Add(trackEvent);
            if (_unsynced.Count >= SyncEvery)
                SyncLocked();
        }
        return ValueTask.CompletedTask;
    }

    public Task FlushAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // fsync can stall for tens of milliseconds on a busy disk; keep that off the caller's thread.
        return Task.Run(() =>
        {
            lock (_gate)
                if (_stream is not null)
                    SyncLocked();
        }, ct);
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
                return ValueTask.CompletedTask;
            _disposed = true;
            if (_stream is null)
                return ValueTask.CompletedTask;
            try
            {
                SyncLocked();
            }
            catch (EventDeliveryException ex)
            {
                // Disposal must not throw; callers that need the list call FlushAsync first.
                _logger.LogError(ex, "{Sink}: {Message}", Describe, ex.Message);
            }
            finally
            {
                _stream.Dispose();
                _stream = null;
            }
        }
        return ValueTask.CompletedTask;
    }

    private FileStream OpenLocked()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_stream is not null)
            return _stream;

        if (Directory.Exists(FilePath))
            throw new EventSinkNotReadyException(
                $"cannot write track events to '{FilePath}': it is a folder; name a file, e.g. '{Path.Combine(FilePath, "events.jsonl")}'");
        try
        {
            string? folder = Path.GetDirectoryName(FilePath);
            if (!string.IsNullOrEmpty(folder))
                Directory.CreateDirectory(folder);
            // bufferSize 0: every line is handed to the OS at once (see remarks). FileShare.Read lets
            // people tail the file while the worker runs.
            var stream = new FileStream(FilePath, Append ? FileMode.Append : FileMode.Create, FileAccess.Write,
                FileShare.Read, bufferSize: 0);
            try
            {
                // A previous run that died mid-write may have left a partial last line; without a line
                // break our first event would be glued to it and both lines would be unreadable.
                if (Append && stream.Length > 0 && !EndsWithNewLine(FilePath))
                    stream.Write("\n"u8);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            _stream = stream;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new EventSinkNotReadyException(
                $"cannot write track events to '{FilePath}' ({ex.Message}); choose a writable path or fix the folder's permissions", ex);
        }

        return _stream;
    }

    private void WriteLineLocked(FileStream stream, byte[] json, TrackEvent trackEvent)
    {
        // One write call per line so a line is never interleaved or split across two writes.
        if (_line.Length < json.Length + 1)
            _line = new byte[Math.Max(json.Length + 1, _line.Length * 2)];
        json.CopyTo(_line, 0);
        _line[json.Length] = (byte)'\n';

        long before = stream.Position;
        try
        {
            stream.Write(_line, 0, json.Length + 1);
        }
        catch (IOException ex)
        {
            TryTruncate(stream, before);
            throw new EventDeliveryException(
                $"could not write track event {trackEvent.EventId} to '{FilePath}': {ex.Message}", [trackEvent], ex);
        }
    }

    /// <summary>Removes a half-written line (disk full) so the file stays valid JSON Lines.</summary>
    private void TryTruncate(FileStream stream, long length)
    {
        try
        {
            stream.SetLength(length);
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "{Sink}: could not remove a partly written line at byte {Offset}", Describe, length);
        }
    }

    private void SyncLocked()
    {
        try
        {
            _stream!.Flush(flushToDisk: true);
        }
        catch (IOException ex)
        {
            var lost = _unsynced;
            _unsynced = [];
            throw new EventDeliveryException(
                $"could not flush '{FilePath}' to disk ({ex.Message}); the {lost.Count} track events written since the last flush may be lost",
                lost, ex);
        }
        _unsynced.Clear();
    }

    private static bool EndsWithNewLine(string path)
    {
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (reader.Length == 0)
            return true;
        reader.Seek(-1, SeekOrigin.End);
        return reader.ReadByte() == '\n';
    }
}
