using ReId.Core.Events;
using ReId.Events.Outbox;

namespace ReId.Events.Tests;

/// <summary>The outbox in front of a sink whose outages the test scripts.</summary>
public sealed class OutboxEventSinkTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly OutboxFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private OutboxOptions Options() => new()
    {
        Directory = _folder.Path,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(100),
    };

    private static async Task FlushWithin(IEventSink sink, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        await sink.FlushAsync(timeout.Token);
    }

    private static Task PublishConcurrently(IEventSink sink, IReadOnlyDictionary<string, IReadOnlyList<TrackEvent>> perCamera) =>
        Task.WhenAll(perCamera.Values.Select(events => Task.Run(async () =>
        {
            foreach (var e in events)
                await sink.PublishAsync(e, CancellationToken.None);
        })));

    [Fact]
    public async Task Events_published_while_the_destination_is_down_wait_on_disk_and_arrive_in_camera_order_once_it_is_back()
    {
        var inner = new ScriptedInnerSink { Reachable = false };
        var perCamera = SampleTrackEvents.ForCameras(cameras: 3, eventsPerCamera: 30);
        await using var sink = new OutboxEventSink(inner, Options());

        await sink.CheckReadyAsync(CancellationToken.None); // the destination being down is what the outbox is for
        await PublishConcurrently(sink, perCamera);
        Assert.Equal(90, sink.PendingEvents);
        Assert.True(sink.PendingBytes > 90 * 400, $"pending bytes {sink.PendingBytes}");

        using (var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sink.FlushAsync(shortWait.Token));
            Assert.StartsWith("flush cancelled with 90 track event(s) not yet delivered to scripted://inner (last error: ", cancelled.Message);
            Assert.Contains($"kept in the event outbox '{_folder.Path}'", cancelled.Message);
        }
        Assert.NotNull(sink.LastError);
        Assert.Empty(inner.Delivered);
        Assert.True(inner.Flushes > 1, "the sink should have kept retrying");

        inner.Reachable = true;
        await FlushWithin(sink, Bound);

        Assert.Equal(90, inner.Delivered.Count);
        foreach (var (camera, published) in perCamera)
            Assert.Equal(published, inner.Delivered.Where(e => e.CameraId == camera));
        Assert.Equal(0, sink.PendingEvents);
        Assert.Equal(90, sink.DeliveredTotal);
        Assert.Null(sink.LastError);
    }

    [Fact]
    public async Task A_restarted_sink_delivers_what_the_previous_one_left_and_nothing_it_had_delivered()
    {
        var events = SampleTrackEvents.ForCamera("cam-05", 35);
        var firstInner = new ScriptedInnerSink();
        await using (var first = new OutboxEventSink(firstInner, Options()))
        {
            foreach (var e in events.Take(20))
                await first.PublishAsync(e, CancellationToken.None);
            await FlushWithin(first, Bound);
            firstInner.Reachable = false;
            foreach (var e in events.Skip(20))
                await first.PublishAsync(e, CancellationToken.None);
        }
        Assert.Equal(events.Take(20), firstInner.Delivered);

        var secondInner = new ScriptedInnerSink();
        await using var second = new OutboxEventSink(secondInner, Options());
        await FlushWithin(second, Bound);

        Assert.Equal(events.Skip(20), secondInner.Delivered);
        Assert.Equal(15, second.DeliveredTotal);
        Assert.Equal(0, second.PendingEvents);
    }

    [Fact]
    public async Task A_partly_failed_delivery_keeps_the_confirmed_events_and_resends_from_the_first_failure()
    {
        var camA = SampleTrackEvents.ForCamera("cam-A", 30);
        var camB = SampleTrackEvents.ForCamera("cam-B", 30);
        var log = camA.Zip(camB).SelectMany(pair => new[] { pair.First, pair.Second }).ToList();
        var inner = new ScriptedInnerSink { Reachable = false };
        await using var sink = new OutboxEventSink(inner, Options());
        // Published during an outage, so that the first delivery attempt after it carries all 60 in one batch.
        foreach (var e in log)
            await sink.PublishAsync(e, CancellationToken.None);
        inner.FailOnce(camA[12].EventId);
        inner.Reachable = true;
        await FlushWithin(sink, Bound);

        var delivered = inner.Delivered;
        // Nothing lost, each camera in order of first arrival.
        Assert.Equal(camA, delivered.Where(e => e.CameraId == "cam-A").DistinctBy(e => e.EventId));
        Assert.Equal(camB, delivered.Where(e => e.CameraId == "cam-B").DistinctBy(e => e.EventId));
        // The part before the failure was acknowledged and not sent again; from the failed event on, the log
        // was sent again, so cam-B's events confirmed in the failed attempt arrive twice (at least once).
        int firstFailure = log.IndexOf(camA[12]);
        Assert.Equal(log.Take(firstFailure), delivered.Take(firstFailure));
        Assert.Equal(60 + (30 - 12), delivered.Count);
        Assert.Equal(log.Skip(firstFailure), delivered.Skip(60 - 18));
        Assert.Equal(60, sink.DeliveredTotal);
        Assert.Equal(0, sink.PendingEvents);
    }

    [Fact]
    public async Task A_full_outbox_fails_publish_naming_the_event_and_keeps_what_it_accepted()
    {
        var events = SampleTrackEvents.ForCamera("cam-08", 40);
        var inner = new ScriptedInnerSink { Reachable = false };
        await using var sink = new OutboxEventSink(inner, Options() with { SegmentBytes = 4096, MaxBytes = 8192 });

        int accepted = 0;
        EventDeliveryException? refused = null;
        foreach (var e in events)
        {
            try
            {
                await sink.PublishAsync(e, CancellationToken.None);
                accepted++;
            }
            catch (EventDeliveryException ex)
            {
                refused = ex;
                break;
            }
        }

        Assert.NotNull(refused);
        Assert.IsType<OutboxFullException>(refused.InnerException);
        Assert.Equal([events[accepted]], refused.Undelivered);
        Assert.StartsWith($"track event {events[accepted].EventId} of camera 'cam-08' was not stored in the event outbox: event outbox '{_folder.Path}' is full", refused.Message);
        Assert.Equal(accepted, sink.PendingEvents);

        inner.Reachable = true;
        await FlushWithin(sink, Bound);
        Assert.Equal(events.Take(accepted), inner.Delivered);
    }

    [Fact]
    public async Task Disposed_sink_refuses_publishing()
    {
        var sink = new OutboxEventSink(new ScriptedInnerSink(), Options());
        await sink.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => sink.PublishAsync(SampleTrackEvents.ForCamera("cam-09", 1)[0], CancellationToken.None).AsTask());
    }
}
