using OpenCvSharp;
using ReId.Core.Geometry;

namespace ReId.Vision.Imaging;

/// <summary>What to draw for one track on one frame.</summary>
public readonly record struct TrackMark(Box Box, int TrackId, string? PersonId);

/// <summary>
/// Draws tracks onto frames: one colour per global person (per track until identified), with the
/// local track id and person label, so a person can check identities by eye.
/// </summary>
public static class TrackAnnotator
{
    public static void Draw(Mat image, IEnumerable<TrackMark> marks, string? caption = null)
    {
        foreach (var m in marks)
        {
            var rect = CropPreprocessor.ToPixelRect(m.Box, image.Width, image.Height);
            var colour = ColourFor(m.PersonId ?? $"track-{m.TrackId}");
            Cv2.Rectangle(image, rect, colour, 2);
            string label = m.PersonId is null ? $"T{m.TrackId}" : $"T{m.TrackId} {ShortLabel(m.PersonId)}";
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, 0.45, 1, out int baseline);
            int top = Math.Max(0, rect.Y - size.Height - baseline - 2);
            Cv2.Rectangle(image, new Rect(rect.X, top, size.Width + 4, size.Height + baseline + 2), colour, -1);
            Cv2.PutText(image, label, new Point(rect.X + 2, top + size.Height + 1), HersheyFonts.HersheySimplex, 0.45,
                Scalar.Black, 1, LineTypes.AntiAlias);
        }
        if (caption is not null)
            Cv2.PutText(image, caption, new Point(8, image.Height - 10), HersheyFonts.HersheySimplex, 0.5,
                Scalar.White, 1, LineTypes.AntiAlias);
    }

    /// <summary>A stable, saturated colour per label (same person, same colour in every camera).</summary>
    public static Scalar ColourFor(string label)
    {
        uint h = 2166136261;
        foreach (char ch in label) h = (h ^ ch) * 16777619;
        using var hsv = new Mat(1, 1, MatType.CV_8UC3, new Scalar(h % 180, 200 + h / 180 % 56, 230));
        using var bgr = new Mat();
        Cv2.CvtColor(hsv, bgr, ColorConversionCodes.HSV2BGR);
        var px = bgr.At<Vec3b>(0, 0);
        return new Scalar(px.Item0, px.Item1, px.Item2);
    }

    /// <summary>Person ids are long; frames show their last characters, enough to tell people apart.</summary>
    public static string ShortLabel(string personId) =>
        personId.Length <= 8 ? personId : "P" + personId[^5..];
}
