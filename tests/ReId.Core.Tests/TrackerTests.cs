using ReId.Core.Geometry;
using ReId.Core.Tracking;

namespace ReId.Core.Tests;

public class TrackerTests
{
    private static Detection Det(float x, float y, float score = 0.9f) => new(new Box(x, y, 40, 100), score);

    [Fact]
    public void Track_is_confirmed_after_min_hits_consecutive_frames()
    {
        var tracker = new IouTracker(new TrackerOptions(MinHits: 3));
        Assert.Empty(tracker.Update([Det(100, 100)], 1).Confirmed);
        Assert.Empty(tracker.Update([Det(102, 100)], 2).Confirmed);
        var step = tracker.Update([Det(104, 100)], 3);
        var confirmed = Assert.Single(step.Confirmed);
        Assert.Equal(TrackState.Confirmed, confirmed.State);
        Assert.Equal(1, confirmed.Id);
        Assert.Equal(new Box(104, 100, 40, 100), confirmed.Box);
    }

    [Fact]
    public void Tentative_track_that_misses_a_frame_disappears_without_an_end_event()
    {
        var tracker = new IouTracker(new TrackerOptions(MinHits: 3));
        tracker.Update([Det(100, 100)], 1);
        var step = tracker.Update([], 2);
        Assert.Empty(step.Ended);
        Assert.Empty(step.Live);
    }

    [Fact]
    public void Confirmed_track_goes_lost_then_ends_after_max_lost_frames()
    {
        var tracker = new IouTracker(new TrackerOptions(MinHits: 1, MaxLostFrames: 5));
        var track = Assert.Single(tracker.Update([Det(100, 100)], 1).Confirmed);
        for (long f = 2; f <= 6; f++)
        {
            var step = tracker.Update([], f);
            Assert.Empty(step.Ended);
            Assert.Equal(TrackState.Lost, track.State);
        }
        var last = tracker.Update([], 7); // 6 frames since last seen > 5
        Assert.Same(track, Assert.Single(last.Ended));
        Assert.Equal(TrackState.Ended, track.State);
        Assert.Empty(last.Live);
    }

    [Fact]
    public void Lost_track_is_recovered_when_the_person_reappears_along_its_motion()
    {
        var tracker = new IouTracker(new TrackerOptions(MinHits: 1, MaxLostFrames: 10));
        // Walks right 10 px per frame, is occluded for 3 frames, reappears where motion predicts.
        for (long f = 1; f <= 5; f++) tracker.Update([Det(100 + 10 * f, 100)], f);
        for (long f = 6; f <= 8; f++) tracker.Update([], f);
        var step = tracker.Update([Det(190, 100)], 9);
        var track = Assert.Single(step.Live);
        Assert.Equal(1, track.Id);
        Assert.Equal(TrackState.Confirmed, track.State);
        Assert.True(track.SeenInLastUpdate);
    }

    [Fact]
    public void Two_people_crossing_keep_their_ids_while_boxes_do_not_overlap()
    {
        var tracker = new IouTracker(new TrackerOptions(MinHits: 1));
        tracker.Update([Det(0, 0), Det(300, 0)], 1);
        tracker.Update([Det(5, 0), Det(295, 0)], 2);
        var step = tracker.Update([Det(290, 0), Det(10, 0)], 3); // detector order swapped
        var byX = step.Live.OrderBy(t => t.Box.X).ToList();
        Assert.Equal(1, byX[0].Id);
        Assert.Equal(2, byX[1].Id);
    }

    [Fact]
    public void Low_score_detections_never_start_tracks()
    {
        var tracker = new IouTracker(new TrackerOptions(MinDetectionScore: 0.5f, MinHits: 1));
        var step = tracker.Update([Det(0, 0, score: 0.3f)], 1);
        Assert.Empty(step.Live);
    }

    [Fact]
    public void Finish_ends_confirmed_and_lost_tracks_only()
    {
        var tracker = new IouTracker(new TrackerOptions(MinHits: 2));
        tracker.Update([Det(0, 0), Det(300, 0)], 1);
        tracker.Update([Det(0, 0), Det(300, 0)], 2); // both confirmed
        tracker.Update([Det(0, 0), Det(600, 300)], 3); // second lost, a new tentative one
        var ended = tracker.Finish();
        Assert.Equal([1, 2], ended.Select(t => t.Id).Order());
    }

    [Fact]
    public void Tracklet_mean_is_weighted_and_unit_length()
    {
        var tracklet = new Tracklet();
        tracklet.Add([1f, 0f], 3f);
        tracklet.Add([0f, 1f], 1f);
        var mean = tracklet.Mean()!;
        Assert.Equal(2, tracklet.Count);
        Assert.Equal(3f / MathF.Sqrt(10f), mean[0], 5);
        Assert.Equal(1f / MathF.Sqrt(10f), mean[1], 5);
    }
}
