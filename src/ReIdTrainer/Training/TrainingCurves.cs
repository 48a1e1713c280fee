using System.Globalization;
using OpenCvSharp;

namespace ReIdTrainer.Training;

/// <summary>One plotted line: its name in the legend, its colour (BGR) and one value per epoch (null: not measured).</summary>
public sealed record CurveSeries(string Name, Scalar Colour, IReadOnlyList<double?> Values);

/// <summary>
/// Draws a run's history as a 2x2 sheet of curves (loss; active-triplet fraction; mean d(a,p) and
/// d(a,n); validation mAP and rank-1) with OpenCV, so it needs nothing beyond what the trainer
/// already loads. Each colour is used by one series only and legends sit above the plot areas, so
/// a series' pixels inside its plot area are that series alone (the tests rely on it).
/// </summary>
public static class TrainingCurves
{
    public const int Width = 1200, Height = 800;

    public static readonly Scalar LossColour = new(200, 110, 20);
    public static readonly Scalar TripletColour = new(235, 190, 120);
    public static readonly Scalar ActiveColour = new(20, 130, 240);
    public static readonly Scalar PositiveColour = new(50, 160, 40);
    public static readonly Scalar NegativeColour = new(40, 40, 210);
    public static readonly Scalar MapColour = new(160, 50, 150);
    public static readonly Scalar Rank1Colour = new(150, 150, 0);

    private static readonly Scalar Ink = new(40, 40, 40);
    private static readonly Scalar Grid = new(225, 225, 225);
    private const HersheyFonts Font = HersheyFonts.HersheySimplex;
    private const int Left = 70, Right = 20, Top = 58, Bottom = 48;

    /// <summary>A panel: title, fixed y range or null (0 to the data's maximum), and its series.</summary>
    private sealed record Panel(string Title, double? YMax, IReadOnlyList<CurveSeries> Series, string Empty);

    /// <summary>The plot area (inside the axes) of panel 0-3, left to right, top to bottom.</summary>
    public static Rect PlotArea(int panel)
    {
        int w = Width / 2, h = Height / 2;
        int x = panel % 2 * w, y = panel / 2 * h;
        return new Rect(x + Left, y + Top, w - Left - Right, h - Top - Bottom);
    }

    /// <summary>The panels' series, in panel order; also what tests compare the image against.</summary>
    public static IReadOnlyList<IReadOnlyList<CurveSeries>> Series(IReadOnlyList<EpochRecord> history) =>
        Panels(history).Select(p => p.Series).ToList();

    /// <summary>Writes the sheet as PNG (through a temporary file, so a reader never sees half an image).</summary>
    public static void Write(string path, IReadOnlyList<EpochRecord> history)
    {
        using var image = Draw(history);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.partial.png");
        if (!Cv2.ImWrite(temp, image))
            throw new IOException($"cannot write '{temp}'; check the folder is writable");
        File.Move(temp, full, overwrite: true);
    }

    public static Mat Draw(IReadOnlyList<EpochRecord> history)
    {
        var image = new Mat(Height, Width, MatType.CV_8UC3, Scalar.White);
        var epochs = history.Select(r => r.Epoch).ToList();
        var panels = Panels(history);
        for (int i = 0; i < panels.Count; i++)
            DrawPanel(image, PlotArea(i), panels[i], epochs);
        return image;
    }

    private static List<Panel> Panels(IReadOnlyList<EpochRecord> h) =>
    [
        new("Loss (total and triplet)", null,
        [
            new("loss", LossColour, h.Select(r => (double?)r.Loss).ToList()),
            new("triplet", TripletColour, h.Select(r => double.IsNaN(r.TripletLoss) ? null : (double?)r.TripletLoss).ToList()),
        ], "no epochs yet"),
        new("Active triplets (fraction with loss > 0)", 1.0,
            [new("active", ActiveColour, h.Select(r => (double?)r.ActiveFraction).ToList())], "no epochs yet"),
        new("Mean distances of mined pairs", null,
        [
            new("d(a,p)", PositiveColour, h.Select(r => (double?)r.MeanPositiveDistance).ToList()),
            new("d(a,n)", NegativeColour, h.Select(r => (double?)r.MeanNegativeDistance).ToList()),
        ], "no epochs yet"),
        new("Validation (query/gallery)", 1.0,
        [
            new("mAP", MapColour, h.Select(r => r.MeanAveragePrecision).ToList()),
            new("rank-1", Rank1Colour, h.Select(r => r.Rank1).ToList()),
        ], "not validated (train with --validate-every N)"),
    ];

    private static void DrawPanel(Mat image, Rect area, Panel panel, IReadOnlyList<int> epochs)
    {
        var values = panel.Series.SelectMany(s => s.Values).OfType<double>().Where(double.IsFinite).ToList();
        double yMax = panel.YMax ?? NiceCeiling(values.Count == 0 ? 1 : Math.Max(values.Max() * 1.05, 1e-6));
        int firstEpoch = epochs.Count == 0 ? 0 : epochs.Min(), lastEpoch = epochs.Count == 0 ? 1 : epochs.Max();
        // One epoch still gets an axis with room either side of its point.
        double xMin = firstEpoch == lastEpoch ? firstEpoch - 1 : firstEpoch, xMax = firstEpoch == lastEpoch ? lastEpoch + 1 : lastEpoch;

        int X(double epoch) => area.X + (int)Math.Round((epoch - xMin) / (xMax - xMin) * area.Width);
        int Y(double v) => area.Bottom - (int)Math.Round(Math.Clamp(v / yMax, 0, 1) * area.Height);

        Text(image, panel.Title, new Point(area.X - Left + 12, area.Y - 36), 0.55, Ink, 1);

        double yStep = NiceStep(yMax / 5);
        for (double v = 0; v <= yMax + 1e-9; v += yStep)
        {
            int y = Y(v);
            Cv2.Line(image, new Point(area.X, y), new Point(area.Right, y), Grid, 1);
            Cv2.Line(image, new Point(area.X - 5, y), new Point(area.X, y), Ink, 1);
            string label = v.ToString(yStep < 0.1 ? "0.00" : yStep < 1 ? "0.0" : "0", CultureInfo.InvariantCulture);
            var size = Cv2.GetTextSize(label, Font, 0.42, 1, out _);
            Text(image, label, new Point(area.X - 9 - size.Width, y + size.Height / 2), 0.42, Ink, 1);
        }
        int xStep = Math.Max(1, (int)NiceStep((xMax - xMin) / 8));
        for (int e = (int)Math.Ceiling(xMin / xStep) * xStep; e <= xMax; e += xStep)
        {
            int x = X(e);
            Cv2.Line(image, new Point(x, area.Bottom), new Point(x, area.Bottom + 5), Ink, 1);
            string label = e.ToString(CultureInfo.InvariantCulture);
            var size = Cv2.GetTextSize(label, Font, 0.42, 1, out _);
            Text(image, label, new Point(x - size.Width / 2, area.Bottom + 8 + size.Height), 0.42, Ink, 1);
        }
        Text(image, "epoch", new Point(area.X + area.Width / 2 - 20, area.Bottom + 40), 0.45, Ink, 1);
        Cv2.Rectangle(image, area, Ink, 1);

        if (values.Count == 0)
            Text(image, panel.Empty, new Point(area.X + 16, area.Y + area.Height / 2), 0.5, new Scalar(120, 120, 120), 1);

        // Series: straight segments between measured epochs, a dot on each (a lone epoch is a dot).
        int legendX = area.X;
        foreach (var series in panel.Series)
        {
            var points = new List<Point>();
            for (int i = 0; i < epochs.Count && i < series.Values.Count; i++)
                if (series.Values[i] is { } v && double.IsFinite(v))
                    points.Add(new Point(X(epochs[i]), Y(v)));
            // 8-connected, not anti-aliased, so the series' pixels keep its exact colour.
            for (int i = 1; i < points.Count; i++)
                Cv2.Line(image, points[i - 1], points[i], series.Colour, 2, LineTypes.Link8);
            foreach (var p in points)
                Cv2.Circle(image, p, 3, series.Colour, -1, LineTypes.Link8);

            // Legend above the plot area, where no series is drawn.
            int ly = area.Y - 12;
            Cv2.Line(image, new Point(legendX, ly), new Point(legendX + 22, ly), series.Colour, 3, LineTypes.Link8);
            string last = points.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" {series.Values.OfType<double>().Last():0.###}");
            Text(image, series.Name + last, new Point(legendX + 28, ly + 5), 0.45, Ink, 1);
            legendX += 40 + Cv2.GetTextSize(series.Name + last, Font, 0.45, 1, out _).Width + 24;
        }
    }

    private static void Text(Mat image, string text, Point at, double scale, Scalar colour, int thickness) =>
        Cv2.PutText(image, text, at, Font, scale, colour, thickness, LineTypes.AntiAlias);

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="raw"/>.</summary>
    private static double NiceStep(double raw)
    {
        if (!(raw > 0)) return 1;
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / power;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
    }

    private static double NiceCeiling(double v)
    {
        double step = NiceStep(v / 5);
        return Math.Ceiling(v / step) * step;
    }
}
