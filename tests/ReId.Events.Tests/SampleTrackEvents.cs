using ReId.Core.Events;

namespace ReId.Events.Tests;

/// <summary>
/// Realistic event streams: per camera, tracks of ten events each (started, identified, updates, ended)
/// on increasing frames, with millisecond timestamps as the schema writes them, so a round trip through
/// JSON must reproduce every field exactly.
/// </summary>
internal static class SampleTrackEvents
{
    private static readonly DateTimeOffset RecordingStart = new(2009, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<TrackEvent> ForCamera(string cameraId, int count, string source = "rtsp://site-a/")
    {
        var events = new List<TrackEvent>(count);
        for (int i = 0; i < count; i++)
        {
            int trackId = i / 10 + 1;
            int sequence = i % 10;
            long frame = 1 + i * 3L;
            string type = sequence switch
            {
                0 => TrackEventType.Started,
                1 => TrackEventType.Identified,
                9 => TrackEventType.Ended,
                _ => TrackEventType.Updated,
            };
            float x = 10.5f + sequence * 7.25f, y = 100f + trackId % 5 * 3.5f, w = 64.125f, h = 180.75f;
            events.Add(new TrackEvent
            {
                EventId = TrackEvent.MakeId(source + cameraId, cameraId, trackId, sequence),
                Type = type,
                CameraId = cameraId,
                TrackId = trackId,
                Sequence = sequence,
                PersonId = sequence == 0 ? null : $"person-{trackId % 7:D4}",
                IdentityRevision = sequence == 0 ? 0 : 1,
                Similarity = sequence == 0 ? null : 0.61f + trackId % 30 / 100f,
                Box = new EventBox(x, y, w, h),
                BoxNormalized = new EventBox(x / 768f, y / 576f, w / 768f, h / 576f),
                Timestamp = RecordingStart.AddMilliseconds(frame * 40),
                TimestampSource = "media",
                Frame = frame,
                Source = source + cameraId,
                ModelVersion = "osnet-tiny-1.2.0",
                WorkerId = "edge-01",
            });
        }
        return events;
    }

    public static Dictionary<string, IReadOnlyList<TrackEvent>> ForCameras(int cameras, int eventsPerCamera) =>
        Enumerable.Range(1, cameras)
            .Select(c => $"cam-{c:D2}")
            .ToDictionary(c => c, c => ForCamera(c, eventsPerCamera));
}
