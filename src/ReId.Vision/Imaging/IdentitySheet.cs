using OpenCvSharp;

namespace ReId.Vision.Imaging;

/// <summary>One identity's row on the sheet: its label, a caption and its crops.</summary>
public sealed record IdentityRow(string PersonId, string Caption, IReadOnlyList<Mat> Crops);

/// <summary>
/// Renders identities.png: one row per global identity with up to <see cref="MaxCrops"/> crops, so a
/// reviewer can see at a glance whether each identity holds one person.
/// </summary>
public static class IdentitySheet
{
    public const int MaxCrops = 8;
    public const int CropWidth = 64, CropHeight = 128;
    private const int LabelWidth = 190, Gap = 4;

    /// <summary>Writes the sheet; crops are borrowed (not disposed).</summary>
    public static void Write(string path, IReadOnlyList<IdentityRow> rows)
    {
        int width = LabelWidth + MaxCrops * (CropWidth + Gap) + Gap;
        int rowHeight = CropHeight + 2 * Gap;
        int height = Math.Max(1, rows.Count) * rowHeight + 30;
        using var sheet = new Mat(height, width, MatType.CV_8UC3, new Scalar(40, 40, 40));
        Cv2.PutText(sheet, $"{rows.Count} identities", new Point(8, 20), HersheyFonts.HersheySimplex, 0.6, Scalar.White, 1, LineTypes.AntiAlias);
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            int y = 30 + r * rowHeight + Gap;
            var colour = TrackAnnotator.ColourFor(row.PersonId);
            Cv2.Rectangle(sheet, new Rect(Gap, y, 8, CropHeight), colour, -1);
            Cv2.PutText(sheet, TrackAnnotator.ShortLabel(row.PersonId), new Point(18, y + 20), HersheyFonts.HersheySimplex, 0.6, colour, 2, LineTypes.AntiAlias);
            int line = 0;
            foreach (string text in row.Caption.Split('\n'))
                Cv2.PutText(sheet, text, new Point(18, y + 42 + 16 * line++), HersheyFonts.HersheySimplex, 0.4, Scalar.LightGray, 1, LineTypes.AntiAlias);
            for (int i = 0; i < Math.Min(MaxCrops, row.Crops.Count); i++)
            {
                using var cell = new Mat(sheet, new Rect(LabelWidth + Gap + i * (CropWidth + Gap), y, CropWidth, CropHeight));
                Cv2.Resize(row.Crops[i], cell, new Size(CropWidth, CropHeight));
            }
        }
        if (!Cv2.ImWrite(path, sheet))
            throw new IOException($"could not write '{path}'; check the output folder is writable");
    }

    /// <summary>A thumbnail copy of a box of the frame, sized for the sheet.</summary>
    public static Mat Thumbnail(Mat frame, ReId.Core.Geometry.Box box)
    {
        using var roi = new Mat(frame, CropPreprocessor.ToPixelRect(box, frame.Width, frame.Height));
        var thumb = new Mat();
        Cv2.Resize(roi, thumb, new Size(CropWidth, CropHeight), 0, 0, InterpolationFlags.Area);
        return thumb;
    }
}
