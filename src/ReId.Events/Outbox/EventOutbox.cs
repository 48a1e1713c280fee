using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReId.Core.Events;

namespace ReId.Events.Outbox;

/// <summary>
/// A durable, append-only log of track events in a folder: segment files ("000000000001.seg", ...) of
/// framed records (<see cref="OutboxRecordFormat"/>) and a cursor file marking what has been delivered.
/// An append returns only once its batch is synced to disk; events are read back from the cursor in the
/// order they were appended; acknowledging moves the cursor and deletes segments wholly behind it.
/// </summary>
/// <remarks>
/// Any number of threads may append. Reading and acknowledging are meant for one deliverer at a time
/// (<see cref="OutboxEventSink"/>'s loop). One process owns a folder at a time (an exclusive lock file).
/// Disk policy and crash recovery: docs/outbox.md.
/// </remarks>
public sealed class EventOutbox : IDisposable
{
    private const string SegmentExtension = ".seg";
    private const string LockFileName = "lock";

    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly ILogger _logger;
    private readonly OutboxCursorFile _cursorFile;
    private readonly FileStream _folderLock;

    /// <summary>Serialises appends (and segment rolls); never held while waiting for a reader.</summary>
    private readonly SemaphoreSlim _appendGate = new(1, 1);
    private readonly object _ackGate = new();

    /// <summary>Guards the fields below, which both appenders and the deliverer touch; held only briefly.</summary>
    private readonly object _state = new();
    /// <summary>Segment number -> bytes of whole, synced records in it. The last one is the tail being appended to.</summary>
    private readonly SortedList<long, long> _segments = new();
    private FileStream _tail;
    private OutboxPosition _cursor;
    private long _pendingEvents;
    private long _pendingBytes;
    private long _diskBytes;
    private bool _disposed;

    /// <summary>Opens (or creates) the outbox folder, recovering from a crash of the previous owner.</summary>
    /// <exception cref="EventSinkNotReadyException">The folder cannot be created or written, or another process uses it.</exception>
    /// <exception cref="InvalidDataException">A segment other than the last one is corrupt (disk damage, not a crash).</exception>
    public EventOutbox(OutboxOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory = Path.GetFullPath(options.Directory);
        _maxBytes = options.MaxBytes;
        _segmentBytes = options.SegmentBytes;
        _logger = logger ?? NullLogger.Instance;
        _cursorFile = new OutboxCursorFile(Directory);

        _folderLock = LockFolder(Directory);
        try
        {
            _tail = Recover();
        }
        catch
        {
            _folderLock.Dispose();
            throw;
        }
    }

    public string Directory { get; }

    /// <summary>Events appended and not yet acknowledged.</summary>
    public long PendingEvents { get { lock (_state) return _pendingEvents; } }

    /// <summary>Record bytes of the pending events.</summary>
    public long PendingBytes { get { lock (_state) return _pendingBytes; } }

    /// <summary>Bytes of all segment files, what <see cref="OutboxOptions.MaxBytes"/> bounds.</summary>
    public long DiskBytes { get { lock (_state) return _diskBytes; } }

    /// <summary>
    /// Appends the events in order and returns once they are on disk (one fsync for the whole batch).
    /// </summary>
    /// <exception cref="OutboxFullException">The batch would exceed <see cref="OutboxOptions.MaxBytes"/>; nothing was appended.</exception>
    /// <exception cref="IOException">The write or sync failed; nothing of the batch counts as appended.</exception>
    public async Task AppendAsync(IReadOnlyList<TrackEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
            return;
        // Serialised before taking the gate so concurrent appenders only queue for the disk itself.
        var payloads = events.Select(TrackEventJson.SerializeToUtf8).ToArray();
        var records = new byte[payloads.Sum(p => OutboxRecordFormat.FramedLength(p.Length))];
        int at = 0;
        foreach (byte[] payload in payloads)
        {
            OutboxRecordFormat.Write(records.AsSpan(at), payload);
            at += OutboxRecordFormat.FramedLength(payload.Length);
        }

        await _appendGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // fsync can stall for tens of milliseconds on a busy disk; keep that off the caller's thread.
            await Task.Run(() => AppendLocked(records, events.Count), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _appendGate.Release();
        }
    }

    private void AppendLocked(byte[] records, int eventCount)
    {
        long tailNumber, tailLength;
        lock (_state)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_diskBytes + records.Length > _maxBytes)
                throw new OutboxFullException(
                    $"event outbox '{Directory}' is full ({_diskBytes} of {_maxBytes} bytes, {_pendingEvents} event(s) waiting for delivery); " +
                    $"{eventCount} new event(s) refused. Restore the event destination so the outbox drains, or raise the outbox size limit");
            tailNumber = _segments.Keys[^1];
            tailLength = _segments[tailNumber];
        }

        if (tailLength > 0 && tailLength + records.Length > _segmentBytes)
            (tailNumber, tailLength) = (RollLocked(tailNumber), 0);

        try
        {
            _tail.Write(records);
            _tail.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A partial write would otherwise sit before the next batch; recovery could not tell it from a
            // torn tail and would cut the good records after it.
            TryTruncateTail(tailLength);
            throw;
        }

        lock (_state)
        {
            _segments[tailNumber] = tailLength + records.Length;
            _diskBytes += records.Length;
            _pendingEvents += eventCount;
            _pendingBytes += records.Length;
        }
    }

    private long RollLocked(long tailNumber)
    {
        long next = tailNumber + 1;
        var stream = CreateSegment(next);
        _tail.Dispose(); // already synced by the append that filled it
        lock (_state)
        {
            _segments[next] = 0;
            _tail = stream;
        }
        return next;
    }

    private void TryTruncateTail(long length)
    {
        try
        {
            _tail.SetLength(length);
            _tail.Position = length;
        }
        catch (IOException ex)
        {
            _logger.LogError(ex, "Outbox {Directory}: could not cut a failed write back to byte {Offset}; the next start will", Directory, length);
        }
    }

    /// <summary>
    /// Up to <paramref name="maxEvents"/> events from the cursor on, oldest first, or null when everything
    /// appended has been acknowledged. Reading does not move the cursor: after a failed delivery the same
    /// events are read again.
    /// </summary>
    public OutboxBatch? ReadPending(int maxEvents)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        OutboxPosition cursor;
        List<KeyValuePair<long, long>> segments;
        lock (_state)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cursor = _cursor;
            // Lengths as of now: an append in progress is not read half-written.
            segments = _segments.Where(s => s.Key >= cursor.Segment).ToList();
        }

        var events = new List<TrackEvent>();
        var ends = new List<OutboxPosition>();
        var sizes = new List<long>();
        foreach (var (number, length) in segments)
        {
            long start = number == cursor.Segment ? cursor.Offset : 0;
            if (start >= length)
                continue;
            string path = SegmentPath(number);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
            stream.Position = start;
            while (stream.Position < length && events.Count < maxEvents)
            {
                long recordStart = stream.Position;
                byte[] payload = OutboxRecordFormat.TryRead(stream, length)
                    ?? throw new InvalidDataException(
                        $"event outbox segment '{path}' is corrupt at byte {recordStart} although it was synced; the disk may be failing");
                events.Add(TrackEventJson.Deserialize(Encoding.UTF8.GetString(payload)));
                ends.Add(new OutboxPosition(number, stream.Position));
                sizes.Add(stream.Position - recordStart);
            }
            if (events.Count == maxEvents)
                break;
        }
        return events.Count == 0 ? null : new OutboxBatch(events, ends.ToArray(), sizes.ToArray());
    }

    /// <summary>
    /// Marks the batch (which must start at the cursor, i.e. come from the latest <see cref="ReadPending"/>
    /// or be a prefix of it) as delivered: the cursor is persisted past it and segments wholly behind the
    /// cursor are deleted.
    /// </summary>
    public void Acknowledge(OutboxBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_ackGate)
        {
            OutboxPosition next = batch.End;
            lock (_state)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (next.CompareTo(_cursor) <= 0)
                    throw new InvalidOperationException($"outbox batch ending at {next} is already acknowledged (cursor {_cursor})");
                // Past the end of a finished segment means the start of the next one; that lets the finished one go.
                int index = _segments.IndexOfKey(next.Segment);
                while (index >= 0 && index < _segments.Count - 1 && next.Offset >= _segments.Values[index])
                    next = new OutboxPosition(_segments.Keys[++index], 0);
            }

            // Persist first: a crash before the deletes leaves segments the next start deletes; a crash
            // before this line re-delivers the batch. Neither loses an event.
            _cursorFile.Write(next);

            List<KeyValuePair<long, long>> delivered;
            lock (_state)
            {
                _cursor = next;
                _pendingEvents -= batch.Count;
                _pendingBytes -= batch.Bytes;
                delivered = _segments.Where(s => s.Key < next.Segment).ToList();
            }
            foreach (var (number, length) in delivered)
            {
                File.Delete(SegmentPath(number));
                lock (_state)
                {
                    _segments.Remove(number);
                    _diskBytes -= length;
                }
            }
        }
    }

    /// <summary>Closes the files. Whatever was not acknowledged stays in the folder for the next owner.</summary>
    public void Dispose()
    {
        _appendGate.Wait();
        try
        {
            lock (_state)
            {
                if (_disposed)
                    return;
                _disposed = true;
            }
            _tail.Dispose();
            _folderLock.Dispose();
        }
        finally
        {
            _appendGate.Release();
        }
    }

    private static FileStream LockFolder(string directory)
    {
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            // FileShare.None is an exclusive flock on Linux: a second worker on the same folder would
            // deliver the same events and race on the cursor.
            return new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (IsLockedByOther(ex))
        {
            throw new EventSinkNotReadyException(
                $"event outbox '{directory}' is in use by another process; give each worker its own outbox folder", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EventSinkNotReadyException(
                $"cannot use '{directory}' as event outbox ({ex.Message}); choose a writable folder on persistent storage", ex);
        }
    }

    // On Linux .NET reports a held flock as an IOException carrying errno EWOULDBLOCK (11) as HResult;
    // 0x80070020 is the Windows sharing violation, for completeness.
    private static bool IsLockedByOther(IOException ex) => ex.HResult is 11 or unchecked((int)0x80070020);

    /// <summary>Finds the segments and cursor, finishes what a crash interrupted, and opens the tail for appending.</summary>
    private FileStream Recover()
    {
        var numbers = System.IO.Directory.EnumerateFiles(Directory, "*" + SegmentExtension)
            .Select(path => Path.GetFileNameWithoutExtension(path))
            .Where(name => name.Length == 12 && name.All(char.IsAsciiDigit))
            .Select(name => long.Parse(name, CultureInfo.InvariantCulture))
            .Order()
            .ToList();

        OutboxPosition cursor = _cursorFile.Read(_logger) ?? new OutboxPosition(numbers.FirstOrDefault(1), 0);
        // Left behind by a crash between persisting the cursor and deleting them: already delivered.
        foreach (long number in numbers.Where(n => n < cursor.Segment))
        {
            File.Delete(SegmentPath(number));
            _logger.LogInformation("Outbox {Directory}: deleted delivered segment {Segment} left by the previous run", Directory, number);
        }
        numbers.RemoveAll(n => n < cursor.Segment);
        if (numbers.Count == 0)
        {
            CreateSegment(cursor.Segment).Dispose();
            numbers.Add(cursor.Segment);
        }
        else if (numbers[0] > cursor.Segment)
        {
            cursor = new OutboxPosition(numbers[0], 0);
        }

        for (int i = 0; i < numbers.Count; i++)
        {
            long number = numbers[i];
            bool isTail = i == numbers.Count - 1;
            long start = number == cursor.Segment ? cursor.Offset : 0;
            var (validEnd, fileLength, events) = Scan(number, start);
            if (validEnd < fileLength)
            {
                if (!isTail)
                    throw new InvalidDataException(
                        $"event outbox segment '{SegmentPath(number)}' is corrupt at byte {validEnd} but is not the last one, so this is not a torn write; " +
                        "move the folder aside to start (its undelivered events would then need to be recovered by hand)");
                // An append that did not return: its publisher was never told the events were durable.
                _logger.LogWarning("Outbox {Directory}: cut a torn last record from segment {Segment} ({Bytes} bytes at byte {Offset}) left by a crash",
                    Directory, number, fileLength - validEnd, validEnd);
                using var torn = new FileStream(SegmentPath(number), FileMode.Open, FileAccess.Write, FileShare.Read);
                torn.SetLength(validEnd);
                torn.Flush(flushToDisk: true);
            }
            if (start > validEnd)
            {
                _logger.LogError("Outbox {Directory}: cursor {Cursor} is past the end of segment {Segment} ({Length} bytes); reading on from its end",
                    Directory, cursor, number, validEnd);
                cursor = new OutboxPosition(number, validEnd);
            }
            _segments[number] = validEnd;
            _diskBytes += validEnd;
            _pendingEvents += events.Count;
            _pendingBytes += validEnd - Math.Min(start, validEnd);
        }
        _cursor = cursor;

        if (_pendingEvents > 0)
            _logger.LogInformation("Outbox {Directory}: {Events} undelivered event(s) ({Bytes} bytes) from a previous run, delivering from {Cursor}",
                Directory, _pendingEvents, _pendingBytes, cursor);

        var tail = new FileStream(SegmentPath(_segments.Keys[^1]), FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 0);
        tail.Seek(0, SeekOrigin.End);
        return tail;
    }

    /// <summary>Walks the records of a segment from <paramref name="start"/>: where the valid ones end, and how many there are.</summary>
    private (long ValidEnd, long FileLength, List<long> RecordEnds) Scan(long number, long start)
    {
        using var stream = new FileStream(SegmentPath(number), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        long length = stream.Length;
        var ends = new List<long>();
        if (start >= length)
            return (length, length, ends);
        stream.Position = start;
        long validEnd = start;
        while (OutboxRecordFormat.TryRead(stream, length) is not null)
        {
            validEnd = stream.Position;
            ends.Add(validEnd);
        }
        return (validEnd, length, ends);
    }

    private FileStream CreateSegment(long number)
    {
        var stream = new FileStream(SegmentPath(number), FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        // Records synced into a file whose name is not would vanish with it after a power cut.
        DirectorySync.Flush(Directory);
        return stream;
    }

    private string SegmentPath(long number) =>
        Path.Combine(Directory, number.ToString("D12", CultureInfo.InvariantCulture) + SegmentExtension);
}
