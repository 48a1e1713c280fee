using ReId.Core.Geometry;
using ReId.Core.Tracking;

namespace ReId.Core.Tests;

public class ByteTrackerTests
{
    private static Detection Det(float x, float y = 100, float score = 0.9f, float height = 100) =>
        new(new Box(x, y, 40, height), score);

    private static float[] Unit(params float[] v)
    {
        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static Track ById(TrackerStep step, int id) => step.Live.Single(t => t.Id == id);

    [Fact]
    public void Track_is_confirmed_after_min_hits_and_reported_once()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 3));
        Assert.Empty(tracker.Update([Det(100)], 1).Confirmed);
        Assert.Empty(tracker.Update([Det(102)], 2).Confirmed);
        var track = Assert.Single(tracker.Update([Det(104)], 3).Confirmed);
        Assert.Equal(1, track.Id);
        Assert.Equal(TrackState.Confirmed, track.State);
        Assert.Equal(new Box(104, 100, 40, 100), track.Box);
        Assert.Equal(3, track.Hits);
        Assert.Empty(tracker.Update([Det(106)], 4).Confirmed);
    }

    [Fact]
    public void Tentative_track_that_misses_a_frame_vanishes_without_an_end()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 3));
        tracker.Update([Det(100)], 1);
        tracker.Update([Det(100)], 2);
        var step = tracker.Update([], 3);
        Assert.Empty(step.Ended);
        Assert.Empty(step.Live);
        Assert.Empty(tracker.Finish());
    }

    [Fact]
    public void Only_confident_detections_start_tracks()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 1));
        // 0.55 is a high-score detection (matched in the first stage) but below the 0.6 needed to start.
        var step = tracker.Update([Det(0, score: 0.3f), Det(200, score: 0.55f), Det(400, score: 0.65f)], 1);
        var track = Assert.Single(step.Live);
        Assert.Equal(400, track.Box.X);
    }

    [Fact]
    public void Low_score_detection_keeps_a_track_alive_through_partial_occlusion()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 3));
        for (int f = 1; f <= 5; f++) tracker.Update([Det(100 + 5 * f)], f);
        // Lower body hidden: the detector sees a shorter box and is unsure of it.
        for (int f = 6; f <= 10; f++)
        {
            var step = tracker.Update([Det(100 + 5 * f, score: 0.3f, height: 60)], f);
            var track = Assert.Single(step.Live);
            Assert.Equal(1, track.Id);
            Assert.Equal(TrackState.Confirmed, track.State);
            Assert.True(track.SeenInLastUpdate);
            Assert.Equal(new Box(100 + 5 * f, 100, 40, 60), track.Box);
            Assert.Empty(step.Confirmed);
            Assert.Empty(step.Ended);
        }
        var after = tracker.Update([Det(155)], 11);
        Assert.Equal(1, Assert.Single(after.Live).Id);
        Assert.True(after.Live[0].SeenInLastUpdate);
    }

    [Fact]
    public void Low_score_detection_does_not_revive_a_lost_track()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 1));
        tracker.Update([Det(100)], 1);
        tracker.Update([Det(100)], 2);
        tracker.Update([], 3);
        var step = tracker.Update([Det(100, score: 0.3f)], 4);
        var track = Assert.Single(step.Live);
        Assert.Equal(TrackState.Lost, track.State);
        Assert.False(track.SeenInLastUpdate);
    }

    [Fact]
    public void Lost_track_reappearing_along_its_motion_within_the_window_keeps_its_id()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 3, MaxLostFrames: 10));
        for (int f = 1; f <= 5; f++) tracker.Update([Det(100 + 10 * f)], f);
        for (int f = 6; f <= 8; f++)
        {
            var gap = tracker.Update([], f);
            var lost = Assert.Single(gap.Live);
            Assert.Equal(TrackState.Lost, lost.State);
            Assert.False(lost.SeenInLastUpdate);
            Assert.Empty(gap.Ended);
        }
        var step = tracker.Update([Det(190)], 9);
        var track = Assert.Single(step.Live);
        Assert.Equal(1, track.Id);
        Assert.Equal(TrackState.Confirmed, track.State);
        Assert.True(track.SeenInLastUpdate);
        Assert.Empty(step.Confirmed);  // reported when first confirmed, not again
        Assert.Empty(step.Ended);
    }

    [Fact]
    public void Lost_track_ends_after_max_lost_frames_and_a_later_detection_gets_a_new_id()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 1, MaxLostFrames: 5));
        var track = Assert.Single(tracker.Update([Det(100)], 1).Confirmed);
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

        var again = tracker.Update([Det(100)], 8);
        Assert.Equal(2, Assert.Single(again.Live).Id);
    }

    [Fact]
    public void Two_people_crossing_keep_their_ids_by_their_motion()
    {
        // A walks right and B left at 15 px/frame on the same line; between frames 7 and 8 they pass
        // each other. Judged by last positions alone, frame 8 would swap them: A's last box (x 100)
        // overlaps B's new box (x 95) more than its own (x 115).
        Assert.True(new Box(100, 100, 40, 100).IoU(Det(95).Box) > new Box(100, 100, 40, 100).IoU(Det(115).Box));
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 3));
        for (int f = 1; f <= 14; f++)
        {
            float a = 15 * f - 5, b = 215 - 15 * f;
            // Detectors list boxes in no particular order.
            var step = tracker.Update(f % 2 == 1 ? [Det(a), Det(b)] : [Det(b), Det(a)], f);
            if (f < 3) continue;
            Assert.Equal(2, step.Live.Count);
            Assert.Equal(a, ById(step, 1).Box.X);
            Assert.Equal(b, ById(step, 2).Box.X);
        }
    }

    [Fact]
    public void Two_people_walking_side_by_side_keep_their_ids_by_their_depth()
    {
        // Ground truth of two people walking together, B a little behind A (`reid synth-scene
        // --seed 2`, cam1, people 9 and 10, frames 84-110, 10 fps). The walking gait changes a box's
        // width by up to half from one frame to the next and B's box lies mostly inside A's, so by
        // plain IoU a prediction often fits the partner's box better: plain IoU swaps them at frame
        // 87, and so do the width correction alone and the height IoU alone; it takes both. (A replay
        // of the whole scene with plain IoU swapped them 11 times.) B is further away, so shorter and
        // higher.
        (int Frame, Box A, Box B)[] walk =
        [
            (84, new Box(0, 113, 129, 278), new Box(37, 104, 67, 257)),
            (85, new Box(15, 106, 114, 284), new Box(67, 104, 62, 256)),
            (86, new Box(58, 105, 71, 284), new Box(64, 105, 95, 254)),
            (87, new Box(81, 106, 75, 282), new Box(76, 112, 122, 247)),
            (88, new Box(82, 109, 114, 278), new Box(88, 109, 119, 249)),
            (89, new Box(93, 113, 138, 273), new Box(116, 103, 87, 254)),
            (90, new Box(110, 109, 129, 277), new Box(158, 104, 52, 253)),
            (91, new Box(145, 105, 87, 280), new Box(160, 105, 80, 251)),
            (92, new Box(178, 105, 68, 279), new Box(165, 108, 112, 247)),
            (93, new Box(186, 107, 92, 276), new Box(175, 112, 124, 243)),
            (94, new Box(194, 112, 130, 270), new Box(196, 107, 104, 247)),
            (95, new Box(205, 112, 135, 271), new Box(231, 103, 61, 250)),
            (96, new Box(231, 106, 107, 276), new Box(257, 105, 61, 248)),
            (97, new Box(273, 105, 68, 276), new Box(256, 107, 94, 245)),
            (98, new Box(291, 106, 76, 274), new Box(265, 112, 121, 239)),
            (99, new Box(292, 108, 112, 271), new Box(278, 109, 115, 242)),
            (100, new Box(302, 114, 134, 265), new Box(305, 103, 83, 247)),
            (101, new Box(319, 109, 123, 269), new Box(347, 103, 48, 246)),
            (102, new Box(354, 105, 80, 272), new Box(346, 105, 78, 244)),
            (103, new Box(384, 104, 67, 272), new Box(351, 109, 110, 239)),
            (104, new Box(390, 107, 92, 269), new Box(376, 110, 121, 238)),
            (105, new Box(399, 113, 128, 264), new Box(398, 106, 100, 243)),
            (106, new Box(410, 112, 132, 266), new Box(433, 104, 57, 246)),
            (107, new Box(437, 106, 103, 273), new Box(455, 104, 64, 246)),
            (108, new Box(478, 105, 66, 275), new Box(455, 106, 97, 245)),
            (109, new Box(494, 107, 78, 274), new Box(465, 113, 121, 239)),
            (110, new Box(496, 110, 116, 272), new Box(479, 109, 114, 244)),
        ];
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 1));
        var first = tracker.Update([new Detection(walk[0].A, 1f), new Detection(walk[0].B, 1f)], walk[0].Frame);
        int a = first.Live.Single(t => t.Box == walk[0].A).Id, b = first.Live.Single(t => t.Box == walk[0].B).Id;
        foreach (var (frame, boxA, boxB) in walk.Skip(1))
        {
            var step = tracker.Update([new Detection(boxB, 1f), new Detection(boxA, 1f)], frame);
            Assert.Equal(2, step.Live.Count);
            Assert.True(boxA == ById(step, a).Box, $"frame {frame}: A's track {a} took {ById(step, a).Box}, not A's box {boxA}");
            Assert.True(boxB == ById(step, b).Box, $"frame {frame}: B's track {b} took {ById(step, b).Box}, not B's box {boxB}");
        }
    }

    [Fact]
    public void Appearance_resolves_a_swap_that_overlap_alone_gets_wrong()
    {
        // A (x 0) and B (x 16) stand side by side, then trade places in one frame: A's new box is at
        // x 14, B's at x 2. By overlap each old box fits the other person's new box better.
        float[] a = Unit(1, 0, 0), b = Unit(0, 1, 0);
        TrackerStep Run(bool withAppearance)
        {
            var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 3));
            for (int f = 1; f <= 5; f++)
                tracker.Update([Det(0), Det(16)], f, withAppearance ? [a, b] : null);
            // Embeddings of new crops are close to, not equal to, the remembered ones.
            float[] a2 = Unit(1, 0.2f, 0.1f), b2 = Unit(0.2f, 1, 0);
            return tracker.Update([Det(14), Det(2)], 6, withAppearance ? [a2, b2] : null);
        }

        var byOverlap = Run(withAppearance: false);
        Assert.Equal(2, ById(byOverlap, 1).Box.X);   // the swap this test is about

        var byAppearance = Run(withAppearance: true);
        Assert.Equal(14, ById(byAppearance, 1).Box.X);
        Assert.Equal(2, ById(byAppearance, 2).Box.X);
        Assert.All(byAppearance.Live, t => Assert.True(t.SeenInLastUpdate));
    }

    [Fact]
    public void Appearance_cannot_move_a_track_further_than_its_motion_allows()
    {
        float[] a = Unit(1, 0);
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 1));
        for (int f = 1; f <= 5; f++) tracker.Update([Det(0)], f, [a]);
        // The same-looking person far across the frame is someone else (or the same person
        // re-entering, which the identity resolver decides, not the tracker).
        var step = tracker.Update([Det(400)], 6, [a]);
        Assert.Equal(TrackState.Lost, ById(step, 1).State);
        Assert.Equal(400, ById(step, 2).Box.X);
    }

    [Fact]
    public void Track_appearance_is_a_normalised_moving_average_of_high_score_embeddings()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 1, AppearanceMomentum: 0.9f));
        var track = Assert.Single(tracker.Update([Det(0)], 1, [[2f, 0f]]).Live);
        Assert.Equal([1f, 0f], track.AppearanceFeature!);   // normalised on arrival

        tracker.Update([Det(0)], 2, [[0f, 1f]]);
        // 0.9·(1,0) + 0.1·(0,1) = (0.9, 0.1), norm √0.82.
        Assert.Equal(0.9f / MathF.Sqrt(0.82f), track.AppearanceFeature![0], 5);
        Assert.Equal(0.1f / MathF.Sqrt(0.82f), track.AppearanceFeature![1], 5);

        var before = track.AppearanceFeature;
        tracker.Update([Det(0)], 3, [null]);                           // not embedded this frame
        tracker.Update([Det(0, score: 0.3f)], 4, [[0f, 1f]]);          // low-score crop, mostly occluded
        Assert.True(track.SeenInLastUpdate);
        Assert.Same(before, track.AppearanceFeature);
    }

    [Fact]
    public void Skipped_frame_numbers_advance_the_prediction_by_the_gap()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 1));
        for (int f = 1; f <= 10; f++) tracker.Update([Det(15 * f)], f);
        // Frames 11 and 12 were dropped; predicting one frame ahead would leave the track 30 px behind.
        var step = tracker.Update([Det(15 * 13)], 13);
        var track = Assert.Single(step.Live);
        Assert.Equal(1, track.Id);
        Assert.True(track.SeenInLastUpdate);
    }

    [Fact]
    public void Finish_ends_confirmed_and_lost_tracks_only()
    {
        var tracker = new ByteTracker(new ByteTrackerOptions(MinHits: 2));
        tracker.Update([Det(0), Det(300)], 1);
        tracker.Update([Det(0), Det(300)], 2);            // both confirmed
        tracker.Update([Det(0), Det(600, y: 300)], 3);    // second lost, a new tentative one
        var ended = tracker.Finish();
        Assert.Equal([1, 2], ended.Select(t => t.Id).Order());
        Assert.All(ended, t => Assert.Equal(TrackState.Ended, t.State));
    }

    [Fact]
    public void Rejects_misaligned_appearance_and_frames_that_do_not_increase()
    {
        var tracker = new ByteTracker();
        Assert.Throws<ArgumentException>(() => tracker.Update([Det(0), Det(100)], 1, [Unit(1, 0)]));
        tracker.Update([Det(0)], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Update([Det(0)], 5));
    }

    [Fact]
    public void Options_out_of_range_are_rejected_at_construction()
    {
        var e = Assert.Throws<ArgumentException>(() => new ByteTracker(new ByteTrackerOptions(HighScoreThreshold: 0.2f, LowScoreThreshold: 0.3f)));
        Assert.Contains("LowScoreThreshold", e.Message);
        Assert.Throws<ArgumentException>(() => new ByteTracker(new ByteTrackerOptions(MinHits: 0)));
        Assert.Throws<ArgumentException>(() => new ByteTracker(new ByteTrackerOptions(AppearanceMomentum: 1f)));
    }

    [Fact]
    public void Both_trackers_serve_the_pipeline_through_one_interface()
    {
        ITracker[] trackers = [new ByteTracker(new ByteTrackerOptions(MinHits: 1)), new IouTracker(new TrackerOptions(MinHits: 1))];
        foreach (var tracker in trackers)
        {
            var step = tracker.Update([Det(0)], 1, [Unit(1, 0)]);
            Assert.Equal(1, Assert.Single(step.Confirmed).Id);
            Assert.Equal(1, Assert.Single(tracker.Finish()).Id);
        }
    }
}
