using ReId.Core.Events;

namespace ReId.Events.Tests;

public sealed class JsonlEventSinkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("reid-jsonl-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static List<TrackEvent> ReadBack(string path) =>
        File.ReadAllLines(path).Select(TrackEventJson.Deserialize).ToList();

    [Fact]
    public async Task Events_read_back_equal_and_in_publish_order()
    {
        string path = Path.Combine(_folder, "nested", "run-1", "events.jsonl");
        var published = SampleTrackEvents.ForCameras(cameras: 3, eventsPerCamera: 40).Values.SelectMany(e => e).ToList();

        await using (var sink = new JsonlEventSink(path))
        {
            await sink.CheckReadyAsync(CancellationToken.None);
            Assert.True(File.Exists(path), "CheckReadyAsync should create the folder and the file");
            foreach (var e in published)
                await sink.PublishAsync(e, CancellationToken.None);
            await sink.FlushAsync(CancellationToken.None);
            Assert.Equal("jsonl://" + path, sink.Describe);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(published.Count, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("{\"schemaVersion\":1,", line));
        Assert.Equal(published, ReadBack(path));
    }

    [Fact]
    public async Task Concurrent_cameras_lose_nothing_and_keep_each_cameras_order()
    {
        string path = Path.Combine(_folder, "events.jsonl");
        var perCamera = SampleTrackEvents.ForCameras(cameras: 6, eventsPerCamera: 1500);

        await using (var sink = new JsonlEventSink(path))
        {
            // Dedicated threads released together: pool tasks on a 2-core machine could run one after another.
            using var start = new Barrier(perCamera.Count);
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var publishers = perCamera.Values.Select(events => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    foreach (var e in events)
                        sink.PublishAsync(e, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex); // an unhandled exception on a thread would kill the test host
                }
            })).ToList();
            publishers.ForEach(t => t.Start());
            publishers.ForEach(t => t.Join());
            Assert.Empty(failures);
            await sink.FlushAsync(CancellationToken.None);
        }

        var readBack = ReadBack(path);
        Assert.Equal(perCamera.Values.Sum(e => e.Count), readBack.Count);
        Assert.Equal(readBack.Count, readBack.Select(e => e.EventId).Distinct().Count());
        foreach (var (camera, events) in perCamera)
            Assert.Equal(events, readBack.Where(e => e.CameraId == camera).ToList());
        // Interleaving proves the publishers really ran concurrently (otherwise this test shows nothing).
        int cameraSwitches = readBack.Zip(readBack.Skip(1)).Count(p => p.First.CameraId != p.Second.CameraId);
        Assert.True(cameraSwitches > perCamera.Count, $"only {cameraSwitches} camera switches: publishers did not overlap");
    }

    [Fact]
    public async Task Append_keeps_earlier_events_and_truncate_starts_afresh()
    {
        string path = Path.Combine(_folder, "events.jsonl");
        var events = SampleTrackEvents.ForCamera("cam-01", 30);

        await using (var first = new JsonlEventSink(path))
            foreach (var e in events.Take(20))
                await first.PublishAsync(e, CancellationToken.None);
        await using (var restarted = new JsonlEventSink(path, append: true))
            foreach (var e in events.Skip(20))
                await restarted.PublishAsync(e, CancellationToken.None);
        Assert.Equal(events, ReadBack(path));

        await using (var fresh = new JsonlEventSink(path, append: false))
        {
            await fresh.CheckReadyAsync(CancellationToken.None);
            await fresh.PublishAsync(events[0], CancellationToken.None);
        }
        Assert.Equal([events[0]], ReadBack(path));
    }

    [Fact]
    public async Task Appending_after_a_crash_mid_line_starts_on_a_new_line()
    {
        string path = Path.Combine(_folder, "events.jsonl");
        var events = SampleTrackEvents.ForCamera("cam-01", 3);
        string torn = TrackEventJson.Serialize(events[1])[..37];
        await File.WriteAllTextAsync(path, TrackEventJson.Serialize(events[0]) + "\n" + torn);

        await using (var sink = new JsonlEventSink(path, append: true))
            await sink.PublishAsync(events[2], CancellationToken.None);

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal(events[0], TrackEventJson.Deserialize(lines[0]));
        Assert.Equal(torn, lines[1]);
        Assert.Equal(events[2], TrackEventJson.Deserialize(lines[2]));
    }

    [Fact]
    public async Task A_folder_as_the_path_is_refused_at_start_with_the_path_and_the_fix()
    {
        var sink = new JsonlEventSink(_folder);
        var ex = await Assert.ThrowsAsync<EventSinkNotReadyException>(() => sink.CheckReadyAsync(CancellationToken.None));
        Assert.IsAssignableFrom<IOException>(ex);
        Assert.Contains($"'{_folder}'", ex.Message);
        Assert.Contains("is a folder; name a file", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task An_unwritable_location_is_refused_at_start_and_on_publish()
    {
        // A regular file where a folder should be: fails even for root, unlike permission bits.
        string blocker = Path.Combine(_folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "x");
        string path = Path.Combine(blocker, "events.jsonl");
        var sink = new JsonlEventSink(path);

        var ex = await Assert.ThrowsAsync<EventSinkNotReadyException>(() => sink.CheckReadyAsync(CancellationToken.None));
        Assert.Contains($"'{path}'", ex.Message);
        Assert.Contains("choose a writable path", ex.Message);

        var trackEvent = SampleTrackEvents.ForCamera("cam-01", 1)[0];
        var publishError = await Assert.ThrowsAsync<EventDeliveryException>(
            () => sink.PublishAsync(trackEvent, CancellationToken.None).AsTask());
        Assert.Equal([trackEvent], publishError.Undelivered);
        Assert.IsType<EventSinkNotReadyException>(publishError.InnerException);
    }

    [Fact]
    public async Task Publishing_after_dispose_is_refused()
    {
        var sink = new JsonlEventSink(Path.Combine(_folder, "events.jsonl"));
        await sink.CheckReadyAsync(CancellationToken.None);
        await sink.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(
            () => sink.PublishAsync(SampleTrackEvents.ForCamera("cam-01", 1)[0], CancellationToken.None).AsTask());
    }
}
