using System.Diagnostics;
using System.Net;
using ReId.Core.Events;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// `reid run` as deployed: real footage looped as live cameras, probed over HTTP, stopped with SIGTERM;
/// and the event outbox riding out a Kafka outage and a worker restart (librdkafka's mock cluster).
/// </summary>
public class RunLiveTests : IDisposable
{
    private const double ShutdownTimeoutSeconds = 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, object?> Config(string events, params string[] cameras) => new()
    {
        ["Cameras"] = RunningReid.LoopedCameras(cameras),
        ["Events"] = new Dictionary<string, object?> { ["JsonlPath"] = events },
        ["Gallery"] = new Dictionary<string, object?> { ["Path"] = Path.Combine(_dir, "gallery.bin") },
        ["Embedder"] = new Dictionary<string, object?> { ["MaxBatch"] = 8 },
        ["ShutdownTimeoutSeconds"] = ShutdownTimeoutSeconds,
    };

    [Fact]
    public async Task Two_looped_cameras_become_ready_count_frames_and_stop_on_sigterm_ending_every_track()
    {
        string events = Path.Combine(_dir, "events.jsonl");
        using var reid = RunningReid.Start(_dir, Config(events, "north", "south"));
        await reid.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await reid.GetAsync("/health/live")).Status);

        var first = await reid.MetricsAsync();
        // Frames keep flowing on both cameras, and tracks are being published.
        await reid.WaitMetricAsync("reid_frames_total{camera=\"north\"}", v => v > first.GetValueOrDefault("reid_frames_total{camera=\"north\"}") + 5, TimeSpan.FromSeconds(30));
        await reid.WaitMetricAsync("reid_frames_total{camera=\"south\"}", v => v > first.GetValueOrDefault("reid_frames_total{camera=\"south\"}") + 5, TimeSpan.FromSeconds(30));
        await reid.WaitMetricAsync("reid_events_published_total{camera=\"north\",type=\"track.started\"}", v => v >= 1, TimeSpan.FromSeconds(30));
        await reid.WaitMetricAsync("reid_events_published_total{camera=\"south\",type=\"track.started\"}", v => v >= 1, TimeSpan.FromSeconds(30));
        var metrics = await reid.MetricsAsync();
        Assert.Equal(1, metrics["reid_source_connected{camera=\"north\"}"]);
        Assert.True(metrics["reid_embedder_batch_size_count"] > 0);
        Assert.True(metrics["reid_frames_read_total{camera=\"south\"}"] >= metrics["reid_frames_total{camera=\"south\"}"]);
        Assert.Contains(metrics.Keys, k => k.StartsWith("reid_embedder_info{", StringComparison.Ordinal) && k.Contains("provider=\"CPU\""));

        var stopwatch = Stopwatch.StartNew();
        int exit = reid.Terminate(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 10));
        Assert.True(exit == 0, $"exit {exit}:\n{reid.Output}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(ShutdownTimeoutSeconds), $"stopped in {stopwatch.Elapsed}:\n{reid.Output}");

        var written = RunningReid.ReadJsonl(events);
        AssertCompleteAndOrdered(written, "north", "south");
        Assert.True(File.Exists(Path.Combine(_dir, "gallery.bin")), "the embedded gallery is saved on stop");
    }

    [Fact]
    public async Task Kafka_outage_fills_the_outbox_and_every_event_arrives_once_in_camera_order_also_across_a_restart()
    {
        using var kafka = new MockKafkaCluster();
        const string topic = "reid.track-events";
        kafka.CreateTopic(topic, partitions: 4);
        string events = Path.Combine(_dir, "events.jsonl");
        Dictionary<string, object?> config()
        {
            var c = Config(events, "east", "west");
            c["Events"] = new Dictionary<string, object?>
            {
                ["JsonlPath"] = events, // beside Kafka: the record of everything the worker published
                ["Kafka"] = new Dictionary<string, object?> { ["BootstrapServers"] = kafka.BootstrapServers, ["Topic"] = topic },
            };
            c["Outbox"] = new Dictionary<string, object?> { ["Directory"] = Path.Combine(_dir, "outbox") };
            return c;
        }

        using (var reid = RunningReid.Start(_dir, config()))
        {
            await reid.WaitReadyAsync(TimeSpan.FromSeconds(60));
            await reid.WaitMetricAsync("reid_events_delivered_total", v => v >= 1, TimeSpan.FromSeconds(45));

            kafka.SetBrokerDown();
            double pending = await reid.WaitMetricAsync("reid_outbox_pending_events", v => v >= 3, TimeSpan.FromSeconds(45));
            // Kafka down is degraded, not unready: the outbox holds the events.
            var ready = await reid.GetAsync("/health/ready");
            Assert.True(ready.Status == HttpStatusCode.OK, ready.Body);

            kafka.SetBrokerUp();
            await reid.WaitMetricAsync("reid_outbox_pending_events", v => v == 0, TimeSpan.FromSeconds(60));

            // Down again, then stop: what Kafka has not confirmed stays in the outbox.
            kafka.SetBrokerDown();
            await reid.WaitMetricAsync("reid_outbox_pending_events", v => v >= 1, TimeSpan.FromSeconds(45));
            int exit = reid.Terminate(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 10));
            Assert.True(exit == 0, $"exit {exit}:\n{reid.Output}");
            Assert.Contains("left in the outbox for the next start", reid.Output);
        }

        using (var reid = RunningReid.Start(_dir, config()))
        {
            kafka.SetBrokerUp();
            await reid.WaitReadyAsync(TimeSpan.FromSeconds(60));
            await reid.WaitMetricAsync("reid_outbox_pending_events", v => v == 0, TimeSpan.FromSeconds(60));
            int exit = reid.Terminate(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 10));
            Assert.True(exit == 0, $"exit {exit}:\n{reid.Output}");
        }

        var written = RunningReid.ReadJsonl(events);
        AssertCompleteAndOrdered(written, "east", "west");
        var consumed = TopicReaders.ConsumeWithGroup(kafka.BootstrapServers, topic, written.Count, TimeSpan.FromSeconds(30));
        // Every published event arrived, each exactly once by event id.
        Assert.Equal(written.Select(e => e.EventId).Order(), consumed.Select(c => c.Event.EventId).Order());
        Assert.All(consumed, c => Assert.Equal(c.Event.CameraId, c.Key));
        // Per camera the topic holds the events in the order the worker published them.
        foreach (string camera in new[] { "east", "west" })
            Assert.Equal(written.Where(e => e.CameraId == camera).Select(e => e.EventId),
                consumed.Where(c => c.Key == camera).Select(c => c.Event.EventId));
    }

    /// <summary>
    /// Every started track ended, each track's events carry sequence numbers 0, 1, 2... in publish order,
    /// and event ids are unique (also across the runs of a restarted worker).
    /// </summary>
    private static void AssertCompleteAndOrdered(List<TrackEvent> written, params string[] cameras)
    {
        foreach (string camera in cameras)
            Assert.Contains(written, e => e.CameraId == camera && e.Type == TrackEventType.Started);
        Assert.Equal(written.Count, written.Select(e => e.EventId).Distinct().Count());
        // A track is known by its first event id's run; track ids restart with each run of the worker.
        var tracks = new Dictionary<(string Camera, int Track), List<TrackEvent>>();
        foreach (var e in written)
        {
            var key = (e.CameraId, e.TrackId);
            if (e.Type == TrackEventType.Started)
                tracks[key] = [];
            Assert.True(tracks.ContainsKey(key), $"event {e.Type} of {key} before its track.started");
            tracks[key].Add(e);
            if (e.Type == TrackEventType.Ended)
            {
                var events = tracks[key];
                Assert.Equal(Enumerable.Range(0, events.Count), events.Select(x => x.Sequence));
                tracks.Remove(key);
            }
        }
        Assert.True(tracks.Count == 0, $"tracks never ended: {string.Join(", ", tracks.Keys)}");
    }
}
