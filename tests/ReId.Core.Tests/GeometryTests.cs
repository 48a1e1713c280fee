using ReId.Core.Geometry;

namespace ReId.Core.Tests;

public class GeometryTests
{
    [Fact]
    public void IoU_of_half_overlapping_boxes_is_one_third()
    {
        var a = new Box(0, 0, 10, 10);
        var b = new Box(5, 0, 10, 10);
        // intersection 50, union 150
        Assert.Equal(1f / 3f, a.IoU(b), 5);
        Assert.Equal(a.IoU(b), b.IoU(a));
    }

    [Fact]
    public void IoU_is_one_for_identical_and_zero_for_disjoint_or_touching_boxes()
    {
        var a = new Box(10, 20, 30, 40);
        Assert.Equal(1f, a.IoU(a), 6);
        Assert.Equal(0f, a.IoU(new Box(40, 20, 5, 5)));   // touches the right edge
        Assert.Equal(0f, a.IoU(new Box(100, 100, 5, 5)));
        Assert.Equal(0f, a.IoU(new Box(10, 20, 0, 40)));  // empty box
    }

    [Fact]
    public void Height_IoU_compares_vertical_extents_only()
    {
        var a = new Box(0, 100, 40, 200);                                    // rows 100-300
        Assert.Equal(1f, a.HeightIoU(new Box(500, 100, 90, 200)), 6);      // same rows, elsewhere, wider
        Assert.Equal(150f / 250f, a.HeightIoU(new Box(0, 150, 40, 200)), 6); // rows 150-350: 150 shared of 250
        Assert.Equal(a.HeightIoU(new Box(0, 150, 40, 200)), new Box(0, 150, 40, 200).HeightIoU(a));
        Assert.Equal(0f, a.HeightIoU(new Box(0, 300, 40, 50)));             // starts where a ends
        Assert.Equal(0f, a.HeightIoU(new Box(0, 100, 40, 0)));              // empty
    }

    [Fact]
    public void Hidden_fraction_counts_only_people_nearer_the_camera()
    {
        var behind = new Box(100, 100, 40, 100);                  // bottom at 200
        var nearer = new Box(120, 120, 40, 100);                  // bottom at 220: covers 20 x 80 of it
        var further = new Box(80, 90, 40, 100);                   // bottom at 190: behind it, hides nothing
        Assert.Equal(1600f / 4000f, Occlusion.HiddenFraction(behind, [behind, nearer, further]), 6);
        Assert.Equal(0f, Occlusion.HiddenFraction(nearer, [behind, nearer, further]));
        Assert.Equal(1f, Occlusion.HiddenFraction(behind, [new Box(90, 90, 60, 130), nearer])); // capped
        Assert.Equal(0f, Occlusion.HiddenFraction(new Box(0, 0, 0, 10), [nearer]));
    }

    [Fact]
    public void IoU_of_contained_box_is_area_ratio()
    {
        var outer = new Box(0, 0, 100, 100);
        var inner = new Box(25, 25, 50, 50);
        Assert.Equal(0.25f, outer.IoU(inner), 6);
    }

    [Fact]
    public void ClipTo_keeps_the_part_inside_the_frame()
    {
        var clipped = new Box(-10, 50, 40, 100).ClipTo(640, 120);
        Assert.Equal(new Box(0, 50, 30, 70), clipped);
        Assert.Equal(0f, new Box(700, 10, 20, 20).ClipTo(640, 480).Area);
    }

    [Fact]
    public void Normalize_divides_by_frame_size()
    {
        var n = new Box(384, 144, 76.8f, 57.6f).Normalize(768, 576);
        Assert.Equal(0.5f, n.X, 6);
        Assert.Equal(0.25f, n.Y, 6);
        Assert.Equal(0.1f, n.Width, 6);
        Assert.Equal(0.1f, n.Height, 6);
    }

    [Fact]
    public void Nms_keeps_best_of_each_overlapping_group_in_score_order()
    {
        var detections = new List<Detection>
        {
            new(new Box(0, 0, 10, 20), 0.6f),
            new(new Box(1, 1, 10, 20), 0.9f),     // overlaps the first strongly, better score
            new(new Box(100, 0, 10, 20), 0.7f),   // separate person
            new(new Box(100, 12, 10, 20), 0.8f),  // overlaps the third by IoU 8/32 = 0.25: kept
        };
        var kept = NonMaxSuppression.Apply(detections, iouThreshold: 0.5f);
        Assert.Equal([0.9f, 0.8f, 0.7f], kept.Select(d => d.Score));
        Assert.DoesNotContain(kept, d => d.Score == 0.6f);
    }

    [Fact]
    public void Nms_threshold_is_exclusive_and_matches_brute_force_on_random_boxes()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            var dets = Enumerable.Range(0, 30).Select(_ => new Detection(
                new Box(rng.Next(0, 200), rng.Next(0, 200), rng.Next(10, 60), rng.Next(20, 120)), (float)rng.NextDouble())).ToList();
            var kept = NonMaxSuppression.Apply(dets, 0.4f);
            // Property: no two kept boxes overlap above the threshold, and every dropped box
            // overlaps a kept box with a higher score above it.
            for (int i = 0; i < kept.Count; i++)
                for (int j = i + 1; j < kept.Count; j++)
                    Assert.True(kept[i].Box.IoU(kept[j].Box) <= 0.4f);
            foreach (var d in dets.Except(kept))
                Assert.Contains(kept, k => k.Score >= d.Score && k.Box.IoU(d.Box) > 0.4f);
        }
    }
}
