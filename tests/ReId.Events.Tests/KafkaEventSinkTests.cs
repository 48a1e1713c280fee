using System.Diagnostics;
using ReId.Core.Events;
using ReId.TestSupport;

namespace ReId.Events.Tests;

/// <summary>The Kafka sink against librdkafka's mock cluster: a real Kafka-protocol broker in process.</summary>
public sealed class KafkaEventSinkTests
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The client checks message timeouts between reconnect attempts; its default back-off (up to 10 s)
    /// would make outage tests wait that long for a verdict on a 2 s message timeout.
    /// </summary>
    private static readonly Dictionary<string, string> QuickReconnect = new() { ["reconnect.backoff.max.ms"] = "500" };

    private static string NewTopic() => "reid.track-events." + Guid.NewGuid().ToString("N")[..8];

    private static async Task PublishConcurrently(IEventSink sink, IReadOnlyDictionary<string, IReadOnlyList<TrackEvent>> perCamera)
    {
        // One publisher per camera, as the worker runs one pipeline per camera.
        await Task.WhenAll(perCamera.Values.Select(events => Task.Run(async () =>
        {
            foreach (var e in events)
                await sink.PublishAsync(e, CancellationToken.None);
        })));
    }

    [Fact]
    public async Task Every_event_arrives_once_keyed_by_camera_in_camera_order()
    {
        using var cluster = new MockKafkaCluster(brokerCount: 3);
        string topic = NewTopic();
        cluster.CreateTopic(topic, partitions: 6, replicationFactor: 3);
        var perCamera = SampleTrackEvents.ForCameras(cameras: 3, eventsPerCamera: 200);
        int total = perCamera.Values.Sum(e => e.Count);

        await using (var sink = new KafkaEventSink(new KafkaSinkOptions { BootstrapServers = cluster.BootstrapServers, Topic = topic }))
        {
            Assert.Equal($"kafka://{cluster.BootstrapServers}/{topic}", sink.Describe);
            await sink.CheckReadyAsync(CancellationToken.None);
            await PublishConcurrently(sink, perCamera);
            await sink.FlushAsync(CancellationToken.None);
            Assert.Equal(0, sink.InFlight);
        }

        var consumed = TopicReaders.ConsumeWithGroup(cluster.BootstrapServers, topic, total, ReadTimeout);
        Assert.Equal(total, consumed.Count);
        Assert.All(consumed, c => Assert.Equal(c.Event.CameraId, c.Key));
        Assert.Equal(total, consumed.Select(c => c.Event.EventId).Distinct().Count());
        foreach (var (camera, published) in perCamera)
        {
            var ofCamera = consumed.Where(c => c.Key == camera).ToList();
            // Keyed by camera: one partition per camera, hence one ordered stream per camera.
            Assert.Single(ofCamera.Select(c => c.Partition).Distinct());
            Assert.Equal(published, ofCamera.Select(c => c.Event).ToList());
            foreach (var track in ofCamera.GroupBy(c => c.Event.TrackId))
                Assert.Equal(Enumerable.Range(0, track.Count()), track.Select(c => c.Event.Sequence));
        }

        var viaKcat = TopicReaders.ReadWithKcat(cluster.BootstrapServers, topic);
        Assert.Equal(total, viaKcat.Count);
        Assert.All(viaKcat, r => Assert.Equal(r.Event.CameraId, r.Key));
        Assert.Equal(total, viaKcat.Select(r => r.Event.EventId).Distinct().Count());
        foreach (var (camera, published) in perCamera)
            Assert.Equal(published, viaKcat.Where(r => r.Key == camera).Select(r => r.Event).ToList());
    }

    [Fact]
    public async Task An_unreachable_broker_fails_the_start_check_quickly_with_one_clear_line()
    {
        await using var sink = new KafkaEventSink(new KafkaSinkOptions
        {
            BootstrapServers = "127.0.0.1:1",
            ReadyTimeout = TimeSpan.FromSeconds(2),
            DisposeFlushTimeout = TimeSpan.FromSeconds(1),
        });

        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<EventSinkNotReadyException>(() => sink.CheckReadyAsync(CancellationToken.None));
        clock.Stop();

        Assert.StartsWith("Kafka at '127.0.0.1:1' is unreachable (", ex.Message);
        Assert.EndsWith("); check --kafka or start the broker", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"start check took {clock.Elapsed}");
    }

    [Fact]
    public async Task Events_given_up_during_an_outage_are_reported_by_flush_not_dropped()
    {
        using var cluster = new MockKafkaCluster(brokerCount: 1);
        string topic = NewTopic();
        cluster.CreateTopic(topic, partitions: 2);
        var events = SampleTrackEvents.ForCamera("cam-07", 12);
        var beforeOutage = events.Take(5).ToList();
        var duringOutage = events.Skip(5).ToList();

        await using var sink = new KafkaEventSink(new KafkaSinkOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            Topic = topic,
            MessageTimeout = TimeSpan.FromSeconds(2),
            ClientConfig = QuickReconnect,
        });
        await sink.CheckReadyAsync(CancellationToken.None);
        foreach (var e in beforeOutage)
            await sink.PublishAsync(e, CancellationToken.None);
        await sink.FlushAsync(CancellationToken.None);

        cluster.SetBrokerDown();
        foreach (var e in duringOutage)
            await sink.PublishAsync(e, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<EventDeliveryException>(() => sink.FlushAsync(CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"flush took {clock.Elapsed} with a 2 s message timeout");
        Assert.Equal(duringOutage.Select(e => e.EventId).Order(), ex.Undelivered.Select(e => e.EventId).Order());
        Assert.Equal(duringOutage.ToHashSet(), ex.Undelivered.ToHashSet());
        Assert.StartsWith($"{duringOutage.Count} track event(s) were not delivered to kafka://", ex.Message);
        Assert.Contains("timed out", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, sink.InFlight);

        // Reported once: the caller owns them now. After the outage the sink delivers again.
        await sink.FlushAsync(CancellationToken.None);
        cluster.SetBrokerUp();
        foreach (var e in ex.Undelivered)
            await sink.PublishAsync(e, CancellationToken.None);
        await sink.FlushAsync(CancellationToken.None);

        var onTopic = TopicReaders.ReadWithKcat(cluster.BootstrapServers, topic).Select(r => r.Event).ToList();
        Assert.Equal(events, onTopic);
    }

    [Fact]
    public async Task A_full_client_queue_makes_publish_wait_not_fail()
    {
        using var cluster = new MockKafkaCluster(brokerCount: 1);
        string topic = NewTopic();
        cluster.CreateTopic(topic, partitions: 3);
        var perCamera = SampleTrackEvents.ForCameras(cameras: 3, eventsPerCamera: 100);

        await using (var sink = new KafkaEventSink(new KafkaSinkOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            Topic = topic,
            QueueCapacity = 4,
        }))
        {
            await PublishConcurrently(sink, perCamera);
            await sink.FlushAsync(CancellationToken.None);
            Assert.True(sink.QueueFullWaits > 0, "the queue never filled up, so the waiting path was not exercised");
        }

        var onTopic = TopicReaders.ReadWithKcat(cluster.BootstrapServers, topic);
        foreach (var (camera, published) in perCamera)
            Assert.Equal(published, onTopic.Where(r => r.Key == camera).Select(r => r.Event).ToList());
        Assert.Equal(300, onTopic.Count);
    }

    [Fact]
    public async Task Publish_waiting_for_queue_room_during_an_outage_honours_cancellation()
    {
        using var cluster = new MockKafkaCluster(brokerCount: 1);
        string topic = NewTopic();
        cluster.CreateTopic(topic, partitions: 1);
        var events = SampleTrackEvents.ForCamera("cam-03", 3);

        var sink = new KafkaEventSink(new KafkaSinkOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            Topic = topic,
            QueueCapacity = 2,
            MessageTimeout = TimeSpan.FromSeconds(2),
            ClientConfig = QuickReconnect,
            DisposeFlushTimeout = TimeSpan.FromSeconds(5),
        });
        await sink.CheckReadyAsync(CancellationToken.None);
        cluster.SetBrokerDown();
        await sink.PublishAsync(events[0], CancellationToken.None);
        await sink.PublishAsync(events[1], CancellationToken.None);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sink.PublishAsync(events[2], cancel.Token).AsTask());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"cancelled publish returned after {clock.Elapsed}");
        Assert.True(sink.QueueFullWaits > 0);

        var ex = await Assert.ThrowsAsync<EventDeliveryException>(() => sink.FlushAsync(CancellationToken.None));
        Assert.Equal(events.Take(2).ToHashSet(), ex.Undelivered.ToHashSet());

        clock.Restart();
        await sink.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"dispose took {clock.Elapsed}");
    }

    [Fact]
    public async Task Dispose_during_an_outage_is_bounded()
    {
        using var cluster = new MockKafkaCluster(brokerCount: 1);
        string topic = NewTopic();
        cluster.CreateTopic(topic, partitions: 1);
        var sink = new KafkaEventSink(new KafkaSinkOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            Topic = topic,
            DisposeFlushTimeout = TimeSpan.FromSeconds(1),
            ClientConfig = QuickReconnect,
        });
        await sink.CheckReadyAsync(CancellationToken.None);
        cluster.SetBrokerDown();
        foreach (var e in SampleTrackEvents.ForCamera("cam-04", 20))
            await sink.PublishAsync(e, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        await sink.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"dispose took {clock.Elapsed} with a 1 s flush bound");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => sink.FlushAsync(CancellationToken.None));
    }
}
