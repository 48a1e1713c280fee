using ReId.Core.Geometry;
using ReId.Vision.Detectors;

namespace ReId.Inference.Tests;

/// <summary>OpenCV's HOG people detector on a real frame of the sample footage.</summary>
public class HogDetectorTests
{
    [Fact]
    public void Finds_people_with_tight_person_shaped_boxes_inside_the_frame()
    {
        using var image = YoloTestFrames.Landscape();
        using var frame = YoloTestFrames.ToFrame(image.Clone());
        using var hog = new HogDetector(new HogOptions(Upscale: 1.5));
        var detections = hog.Detect(frame);
        Assert.NotEmpty(detections);
        Assert.All(detections, d =>
        {
            Assert.InRange(d.Score, 0f, 1f);
            Assert.True(d.Box.X >= 0 && d.Box.Y >= 0 && d.Box.Right <= 768 && d.Box.Bottom <= 576, d.Box.ToString());
            Assert.InRange(d.Box.Height / d.Box.Width, 1.5f, 2.5f); // the window is 1:2, people are upright
        });
        // NMS ran: no two boxes overlap heavily.
        for (int i = 0; i < detections.Count; i++)
            for (int j = i + 1; j < detections.Count; j++)
                Assert.True(detections[i].Box.IoU(detections[j].Box) <= 0.45f);
    }

    [Fact]
    public void Boxes_are_shrunk_from_the_padded_window_as_opencvs_sample_does()
    {
        var tight = HogDetector.Tighten(new Box(100, 50, 64, 128));
        Assert.Equal(new Box(106.4f, 58.96f, 51.2f, 102.4f), tight);
    }

    [Theory]
    [InlineData(576, 1.875)]   // the sample footage
    [InlineData(720, 1.5)]
    [InlineData(1080, 1.0)]
    [InlineData(2160, 1.0)]    // never shrunk
    [InlineData(240, 2.0)]     // at most 2x
    public void Auto_upscale_brings_frames_to_about_1080_lines(int height, double expected) =>
        Assert.Equal(expected, HogOptions.AutoUpscale(height), 6);

    [Fact]
    public void The_default_auto_upscale_finds_the_small_people_of_the_sample_footage_that_plain_hog_misses()
    {
        using var image = YoloTestFrames.Landscape();
        using var frame = YoloTestFrames.ToFrame(image.Clone());
        using var plain = new HogDetector(new HogOptions(Upscale: 1.0));
        using var auto = new HogDetector();
        int found = auto.Detect(frame).Count(d => d.Box.Height < 128);
        Assert.True(found > plain.Detect(frame).Count(d => d.Box.Height < 128), $"auto found {found} people under 128 px");
        Assert.Equal("hog", auto.Name);
        Assert.Equal("hog(x1)", plain.Name);
    }
}
