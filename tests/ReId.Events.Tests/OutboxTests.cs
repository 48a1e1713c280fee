using ReId.TestSupport;
using Microsoft.Extensions.Logging;
using ReId.Core.Events;
using ReId.Events.Outbox;

namespace ReId.Events.Tests;

/// <summary>The durable log itself: order, cursor, crash recovery, disk bound.</summary>
public sealed class OutboxTests : IDisposable
{
    private readonly OutboxFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Small segments (a sample event is about 600 bytes framed) so tests cross segment boundaries.</summary>
    private OutboxOptions Options(long maxBytes = 1 << 20) =>
        new() { Directory = _folder.Path, SegmentBytes = 4096, MaxBytes = maxBytes };

    private static async Task AppendInBatches(EventOutbox outbox, IReadOnlyList<TrackEvent> events, int batchSize)
    {
        foreach (var batch in events.Chunk(batchSize))
            await outbox.AppendAsync(batch, CancellationToken.None);
    }

    [Fact]
    public async Task Appended_events_read_back_in_order_across_segments_and_after_reopening()
    {
        var events = SampleTrackEvents.ForCamera("cam-01", 40);
        using (var outbox = new EventOutbox(Options()))
        {
            await AppendInBatches(outbox, events, batchSize: 3);
            Assert.Equal(40, outbox.PendingEvents);
            Assert.Equal(events, outbox.ReadPending(1000)!.Events);
            // Reading does not consume: a failed delivery reads the same events again.
            Assert.Equal(events.Take(7), outbox.ReadPending(7)!.Events);
        }
        Assert.True(_folder.Segments().Length > 3, $"expected several segments, got {_folder.Segments().Length}");

        using var reopened = new EventOutbox(Options());
        Assert.Equal(40, reopened.PendingEvents);
        Assert.Equal(_folder.Segments().Sum(s => new FileInfo(s).Length), reopened.DiskBytes);
        Assert.Equal(events, reopened.ReadPending(1000)!.Events);
    }

    [Fact]
    public async Task After_a_restart_acknowledged_events_are_not_read_again_and_the_rest_are()
    {
        var events = SampleTrackEvents.ForCamera("cam-02", 40);
        int segmentsBefore;
        using (var outbox = new EventOutbox(Options()))
        {
            await AppendInBatches(outbox, events, batchSize: 5);
            segmentsBefore = _folder.Segments().Length;
            outbox.Acknowledge(outbox.ReadPending(15)!);
            var next = outbox.ReadPending(10)!;
            Assert.Equal(events.Skip(15).Take(10), next.Events);
            outbox.Acknowledge(next);
            Assert.Equal(15, outbox.PendingEvents);
        }

        Assert.True(_folder.Segments().Length < segmentsBefore, "segments wholly delivered should have been deleted");
        using var reopened = new EventOutbox(Options());
        Assert.Equal(15, reopened.PendingEvents);
        var rest = reopened.ReadPending(1000)!;
        Assert.Equal(events.Skip(25), rest.Events);
        reopened.Acknowledge(rest);
        Assert.Null(reopened.ReadPending(1000));
        Assert.Equal(0, reopened.PendingEvents);
        Assert.Equal(0, reopened.PendingBytes);
        Assert.Single(_folder.Segments());
    }

    public enum Damage { CutShort, GarbageAppended, ZerosAppended, PayloadBitFlipped }

    [Theory]
    [InlineData(Damage.CutShort, 5)]
    [InlineData(Damage.PayloadBitFlipped, 5)]
    [InlineData(Damage.GarbageAppended, 6)]
    [InlineData(Damage.ZerosAppended, 6)]
    public async Task A_torn_last_record_is_cut_on_open_logged_and_the_outbox_keeps_working(Damage damage, int survivors)
    {
        var events = SampleTrackEvents.ForCamera("cam-03", 7);
        long afterFive, afterSix;
        using (var outbox = new EventOutbox(Options()))
        {
            await outbox.AppendAsync(events.Take(5).ToList(), CancellationToken.None);
            afterFive = outbox.DiskBytes;
            await outbox.AppendAsync([events[5]], CancellationToken.None);
            afterSix = outbox.DiskBytes;
        }
        string segment = Assert.Single(_folder.Segments());
        Assert.Equal(afterSix, new FileInfo(segment).Length);

        using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            switch (damage)
            {
                case Damage.CutShort:
                    file.SetLength(afterSix - 17);
                    break;
                case Damage.PayloadBitFlipped:
                    file.Position = afterSix - 40;
                    int b = file.ReadByte();
                    file.Position = afterSix - 40;
                    file.WriteByte((byte)(b ^ 0x10));
                    break;
                case Damage.GarbageAppended:
                    file.Position = afterSix;
                    file.Write(new Random(7).GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 37));
                    break;
                case Damage.ZerosAppended:
                    file.Position = afterSix;
                    file.Write(new byte[4096]);
                    break;
            }
        }

        var log = new ListLogger();
        using var reopened = new EventOutbox(Options(), log);
        Assert.Equal(survivors == 5 ? afterFive : afterSix, new FileInfo(segment).Length);
        Assert.Equal(survivors, reopened.PendingEvents);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("torn last record"));

        await reopened.AppendAsync([events[6]], CancellationToken.None);
        Assert.Equal(events.Take(survivors).Append(events[6]), reopened.ReadPending(1000)!.Events);
    }

    [Fact]
    public async Task A_full_outbox_refuses_new_events_keeps_the_accepted_ones_and_accepts_again_once_they_are_delivered()
    {
        var events = SampleTrackEvents.ForCamera("cam-04", 40);
        using var outbox = new EventOutbox(Options(maxBytes: 8192));
        int accepted = 0;
        OutboxFullException? full = null;
        foreach (var e in events)
        {
            try
            {
                await outbox.AppendAsync([e], CancellationToken.None);
                accepted++;
            }
            catch (OutboxFullException ex)
            {
                full = ex;
                break;
            }
        }

        Assert.NotNull(full);
        // Every event that fits is accepted, and not one more: 8-byte frame header + JSON each.
        var framed = events.Select(e => 8L + TrackEventJson.SerializeToUtf8(e).Length).ToList();
        Assert.True(framed.Take(accepted).Sum() <= 8192);
        Assert.True(framed.Take(accepted + 1).Sum() > 8192);
        Assert.Contains(_folder.Path, full.Message);
        Assert.Contains("is full", full.Message);
        Assert.Contains("1 new event(s) refused", full.Message);
        Assert.True(outbox.DiskBytes <= 8192, $"disk use {outbox.DiskBytes} exceeds the bound");
        // Refused means refused: nothing of the refused event reached the log, and retrying is still refused.
        await Assert.ThrowsAsync<OutboxFullException>(() => outbox.AppendAsync([events[accepted]], CancellationToken.None));
        var stored = outbox.ReadPending(1000)!;
        Assert.Equal(events.Take(accepted), stored.Events);

        outbox.Acknowledge(stored);
        await outbox.AppendAsync([events[accepted]], CancellationToken.None);
        Assert.Equal([events[accepted]], outbox.ReadPending(1000)!.Events);
    }

    [Fact]
    public async Task Delivered_segments_left_by_a_crash_before_their_deletion_are_deleted_at_start()
    {
        var events = SampleTrackEvents.ForCamera("cam-05", 20);
        string firstSegment;
        using (var outbox = new EventOutbox(Options()))
        {
            await AppendInBatches(outbox, events, batchSize: 4);
            firstSegment = _folder.Segments()[0];
            outbox.Acknowledge(outbox.ReadPending(12)!);
        }
        Assert.DoesNotContain(firstSegment, _folder.Segments());
        // As if the process died after persisting the cursor but before deleting the segment.
        File.WriteAllBytes(firstSegment, new byte[100]);

        var log = new ListLogger();
        using var reopened = new EventOutbox(Options(), log);
        Assert.DoesNotContain(firstSegment, _folder.Segments());
        Assert.Equal(events.Skip(12), reopened.ReadPending(1000)!.Events);
        Assert.Contains(log.Entries, e => e.Message.Contains("deleted delivered segment 1"));
    }

    [Fact]
    public async Task An_unreadable_cursor_makes_delivery_start_over_rather_than_skip_events()
    {
        var events = SampleTrackEvents.ForCamera("cam-06", 6);
        using (var outbox = new EventOutbox(Options()))
        {
            await outbox.AppendAsync(events, CancellationToken.None);
            outbox.Acknowledge(outbox.ReadPending(2)!);
        }
        File.WriteAllText(Path.Combine(_folder.Path, "cursor"), "garbage");

        var log = new ListLogger();
        using var reopened = new EventOutbox(Options(), log);
        Assert.Equal(events, reopened.ReadPending(1000)!.Events);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("cursor") && e.Message.Contains("unreadable"));
    }

    [Fact]
    public async Task Damage_in_a_segment_other_than_the_last_stops_the_start_instead_of_skipping_events()
    {
        using (var outbox = new EventOutbox(Options()))
            await AppendInBatches(outbox, SampleTrackEvents.ForCamera("cam-07", 20), batchSize: 2);
        string first = _folder.Segments()[0];
        using (var file = new FileStream(first, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 100;
            file.WriteByte(0xFF);
        }

        var ex = Assert.Throws<InvalidDataException>(() => new EventOutbox(Options()));
        Assert.Contains(first, ex.Message);
        // The lock must be released so that an operator's fix can be retried without restarting the process.
        File.Delete(first);
        using var afterFix = new EventOutbox(Options());
    }

    [Fact]
    public void A_folder_that_cannot_be_created_fails_with_one_clear_line()
    {
        string file = Path.Combine(Path.GetTempPath(), "reid-outbox-file-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(file, "");
        try
        {
            var ex = Assert.Throws<EventSinkNotReadyException>(() => new EventOutbox(new OutboxOptions { Directory = Path.Combine(file, "outbox") }));
            Assert.StartsWith($"cannot use '{Path.Combine(file, "outbox")}' as event outbox (", ex.Message);
            Assert.EndsWith("); choose a writable folder on persistent storage", ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_second_owner_of_the_same_folder_is_refused_with_the_fix()
    {
        using var first = new EventOutbox(Options());
        var ex = Assert.Throws<EventSinkNotReadyException>(() => new EventOutbox(Options()));
        Assert.Equal($"event outbox '{_folder.Path}' is in use by another process; give each worker its own outbox folder", ex.Message);
    }

    [Fact]
    public async Task Concurrent_appenders_each_keep_their_own_order()
    {
        var perCamera = SampleTrackEvents.ForCameras(cameras: 4, eventsPerCamera: 50);
        using var outbox = new EventOutbox(Options() with { SegmentBytes = 16 * 1024 });
        await Task.WhenAll(perCamera.Values.Select(events => Task.Run(() => AppendInBatches(outbox, events, batchSize: 2))));

        var stored = outbox.ReadPending(10_000)!.Events;
        Assert.Equal(200, stored.Count);
        foreach (var (camera, published) in perCamera)
            Assert.Equal(published, stored.Where(e => e.CameraId == camera));
    }
}
