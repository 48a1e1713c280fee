using ReId.Core.Events;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

/// <summary>
/// Replays two cameras into real protocol peers: librdkafka's mock Kafka cluster (a real
/// Kafka-protocol broker) and the in-process gRPC Qdrant fake, then reads everything back.
/// </summary>
public class ReplayIntoKafkaAndQdrantTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-kafka-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Two_cameras_replayed_into_kafka_and_qdrant_arrive_complete_keyed_and_in_order()
    {
        using var kafka = new MockKafkaCluster();
        const string topic = "reid.track-events";
        kafka.CreateTopic(topic, partitions: 4);
        await using var qdrant = new QdrantFake();
        string qdrantUrl = await qdrant.StartAsync();

        string video = SampleFootage.VtestAvi;
        string outDir = Path.Combine(_dir, "out");
        var run = ReidProcess.Run(TimeSpan.FromMinutes(5), "replay", video, video, "--camera-id", "north", "south",
            "--out", outDir, "--max-frames", "30", "--no-video", "--start-time", "2009-03-12T09:00:00Z",
            "--events", "kafka", "--kafka", kafka.BootstrapServers, "--topic", topic,
            "--gallery", "qdrant", "--qdrant", qdrantUrl, "--qdrant-collection", "replay-test");
        Assert.True(run.ExitCode == 0, run.ToString());

        var written = new ReplayOutput(outDir).Events;
        Assert.Contains(written, e => e.CameraId == "north");
        Assert.Contains(written, e => e.CameraId == "south");

        var consumed = TopicReaders.ConsumeWithGroup(kafka.BootstrapServers, topic, written.Count, TimeSpan.FromSeconds(30));
        var kcat = TopicReaders.ReadWithKcat(kafka.BootstrapServers, topic);
        foreach (var read in new[] { consumed.Select(c => (c.Key, c.Event)).ToList(), kcat })
        {
            Assert.Equal(written.Count, read.Count);
            Assert.Equal(written.Select(e => e.EventId).Order(), read.Select(r => r.Event.EventId).Order());
            Assert.All(read, r => Assert.Equal(r.Event.CameraId, r.Key));
            // Per camera the topic holds the events in the order the worker produced them.
            foreach (string camera in new[] { "north", "south" })
                Assert.Equal(written.Where(e => e.CameraId == camera).Select(e => e.EventId),
                    read.Where(r => r.Key == camera).Select(r => r.Event.EventId));
        }

        // Both cameras show the same people at the same moments, yet one identity is never held by
        // two live tracks at once: from identification to end, a person's tracks do not overlap.
        var holds = written.GroupBy(e => (e.CameraId, e.TrackId))
            .Where(g => g.Any(e => e.Type == TrackEventType.Identified))
            .Select(g => (Person: g.First(e => e.Type == TrackEventType.Identified).PersonId!,
                From: g.First(e => e.Type == TrackEventType.Identified).Timestamp,
                To: g.Last().Timestamp, Camera: g.Key.CameraId))
            .ToList();
        foreach (var a in holds)
            foreach (var b in holds)
                if (a != b && a.Person == b.Person)
                    Assert.False(a.From < b.To && b.From < a.To, $"{a.Person} held by {a.Camera} {a.From:O}-{a.To:O} and {b.Camera} {b.From:O}-{b.To:O}");

        var summary = new ReplayOutput(outDir).Summary;
        Assert.StartsWith("qdrant:", summary.GetProperty("gallery").GetString());
        Assert.True(summary.GetProperty("galleryExemplars").GetInt64() > 0);
        await using var gallery = new ReId.Gallery.QdrantGallery(new ReId.Gallery.QdrantGalleryOptions { Url = qdrantUrl, Collection = "replay-test" });
        await gallery.EnsureReadyAsync(summary.GetProperty("embeddingDim").GetInt32(), CancellationToken.None);
        Assert.Equal(summary.GetProperty("galleryExemplars").GetInt64(), await gallery.CountAsync(CancellationToken.None));
    }
}
