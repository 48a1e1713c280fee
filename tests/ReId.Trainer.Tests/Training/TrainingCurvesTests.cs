using OpenCvSharp;
using ReIdTrainer.Cli;
using ReIdTrainer.Training;

namespace ReId.Trainer.Tests.Training;

public sealed class TrainingCurvesTests(TinySyntheticSet set) : IClassFixture<TinySyntheticSet>
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TrainerCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Pixels of exactly <paramref name="colour"/> inside plot area <paramref name="panel"/> (legends sit outside it).</summary>
    private static int PixelsOf(Mat image, int panel, Scalar colour)
    {
        using var area = new Mat(image, TrainingCurves.PlotArea(panel));
        using var mask = new Mat();
        var c = new Scalar(colour.Val0, colour.Val1, colour.Val2);
        Cv2.InRange(area, c, c, mask);
        return Cv2.CountNonZero(mask);
    }

    [Fact]
    public void TrainingDrawsEverySeriesAfterEachEpochAndCurvesRedrawsItFromHistory()
    {
        string outDir = set.NewFolder("curves");
        var (code, stdout, stderr) = Cli("train", "--data", set.Data, "--out", outDir, "--epochs", "3", "--height", "64", "--width", "32",
            "--lr", "0.003", "--validate-every", "2");
        Assert.True(code == 0, stderr);

        using var image = Cv2.ImRead(Path.Combine(outDir, "curves.png"), ImreadModes.Color);
        Assert.False(image.Empty(), "curves.png should decode");
        Assert.Equal(new Size(TrainingCurves.Width, TrainingCurves.Height), image.Size());
        // Every series has its colour inside its own panel: the lines were drawn, not just the legend.
        var panels = new (int Panel, Scalar Colour)[]
        {
            (0, TrainingCurves.LossColour), (0, TrainingCurves.TripletColour), (1, TrainingCurves.ActiveColour),
            (2, TrainingCurves.PositiveColour), (2, TrainingCurves.NegativeColour), (3, TrainingCurves.MapColour), (3, TrainingCurves.Rank1Colour),
        };
        foreach (var (panel, colour) in panels)
            Assert.True(PixelsOf(image, panel, colour) > 40, $"series colour {colour} is missing from panel {panel}");

        // Redrawn from history.csv alone: the same picture.
        string redrawn = Path.Combine(outDir, "redrawn.png");
        (code, stdout, stderr) = Cli("curves", "--history", Path.Combine(outDir, "history.csv"), "--out", redrawn);
        Assert.True(code == 0, stderr);
        Assert.Contains("(3 epochs)", stdout);
        using var again = Cv2.ImRead(redrawn, ImreadModes.Color);
        using var diff = new Mat();
        Cv2.Absdiff(image, again, diff);
        Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));
    }

    [Fact]
    public void AnUnvalidatedRunLeavesTheValidationPanelEmpty()
    {
        var history = new[]
        {
            new EpochRecord(1, 5.0, 3.0, 1.0, 6.0, 4.0, 100),
            new EpochRecord(2, 4.0, 2.0, 0.8, 5.0, 4.5, 100),
        };
        using var image = TrainingCurves.Draw(history);
        Assert.True(PixelsOf(image, 0, TrainingCurves.LossColour) > 40);
        Assert.Equal(0, PixelsOf(image, 3, TrainingCurves.MapColour));
        Assert.Equal(0, PixelsOf(image, 3, TrainingCurves.Rank1Colour));
    }

    [Fact]
    public void CurvesNamesAHistoryFileItCannotRead()
    {
        using var dir = new Data.TempFolder();
        string bad = dir.Path("history.csv");
        File.WriteAllText(bad, "epoch,loss\n1,2\n");
        var (code, _, stderr) = Cli("curves", "--history", bad, "--out", dir.Path("c.png"));
        Assert.Equal(1, code);
        Assert.Equal($"reid-train: '{bad}' is not a reid-train history: its first line lacks the column 'active' (expected {EpochRecord.CsvHeader})", stderr.Trim());

        (code, _, stderr) = Cli("curves", "--history", dir.Path("missing.csv"), "--out", dir.Path("c.png"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", stderr);
    }
}
