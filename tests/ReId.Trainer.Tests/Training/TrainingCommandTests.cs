using ReIdTrainer.Cli;
using ReIdTrainer.Training;

namespace ReId.Trainer.Tests.Training;

public sealed class TrainingCommandTests(TinySyntheticSet set) : IClassFixture<TinySyntheticSet>
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TrainerCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string Train(int epochs, params string[] extra)
    {
        string outDir = set.NewFolder("cli");
        var (code, stdout, stderr) = Cli(["train", "--data", set.Data, "--out", outDir, "--epochs", $"{epochs}",
            "--height", "64", "--width", "32", "--lr", "0.003", .. extra]);
        Assert.True(code == 0, stderr);
        Assert.Contains($"epoch {epochs}/{epochs}  loss", stdout);
        return outDir;
    }

    [Fact]
    public void TrainWritesCheckpointsHistoryAndModelThenExportReproducesIt()
    {
        string outDir = Train(2, "--validate-every", "1", "--margin", "soft");

        Assert.True(File.Exists(Path.Combine(outDir, "model.onnx")));
        string[] history = File.ReadAllLines(Path.Combine(outDir, "history.csv"));
        Assert.Equal("epoch,loss,active,dap,dan,mAP,rank1,triplet,img_s", history[0]);
        Assert.Equal(3, history.Length);
        Assert.All(history[1..], row => Assert.Equal(9, row.Split(',').Count(f => f.Length > 0)));
        Assert.True(File.Exists(Path.Combine(outDir, "curves.png")));

        string checkpoint = Path.Combine(outDir, "checkpoint-epoch002.pt");
        var saved = TrainingCheckpoint.Read(checkpoint);
        Assert.Null(saved.Options.Margin);
        Assert.Equal(2, saved.Epoch);

        string exported = Path.Combine(outDir, "exported.onnx");
        var (code, stdout, stderr) = Cli("export", "--checkpoint", checkpoint, "--out", exported);
        Assert.True(code == 0, stderr);
        Assert.Contains("parity max |diff|", stdout);
        // Same final weights, same metadata: the export command rebuilds what train exported.
        Assert.Equal(File.ReadAllBytes(Path.Combine(outDir, "model.onnx")), File.ReadAllBytes(exported));
    }

    [Fact]
    public void ExportRejectsAFileThatIsNotACheckpointInOneLine()
    {
        string dir = set.NewFolder("bad");
        string bogus = Path.Combine(dir, "bogus.pt");
        File.WriteAllText(bogus, "not a checkpoint");

        var (code, _, stderr) = Cli("export", "--checkpoint", bogus, "--out", Path.Combine(dir, "x.onnx"));
        Assert.Equal(1, code);
        Assert.Equal($"reid-train: '{bogus}' is not a reid-train checkpoint: 'bogus.json' is missing beside it (train writes checkpoint-epochNNN.pt with a .json of the same name)", Lines(stderr).Single());

        // A checkpoint's JSON beside weights that are not TorchSharp's.
        string real = Path.Combine(Train(1), "checkpoint-epoch001.json");
        File.Copy(real, Path.Combine(dir, "bogus.json"));
        (code, _, stderr) = Cli("export", "--checkpoint", bogus, "--out", Path.Combine(dir, "x.onnx"));
        Assert.Equal(1, code);
        Assert.StartsWith($"reid-train: '{bogus}' is not a readable reid-train checkpoint: its weights do not load into a Light model with 16 identities", Lines(stderr).Single());
        Assert.False(File.Exists(Path.Combine(dir, "x.onnx")));
    }

    [Fact]
    public void TrainNamesTheNumbersWhenPExceedsTheIdentities()
    {
        var (code, _, stderr) = Cli("train", "--data", set.Data, "--out", set.NewFolder("p"), "--p", "20", "--height", "64", "--width", "32");
        Assert.Equal(1, code);
        string line = Lines(stderr).Single();
        Assert.Contains("16 identities with at least 2 images", line);
        Assert.Contains("P = 20", line);
    }

    [Fact]
    public void TrainRejectsMissingAndEmptyData()
    {
        string missing = Path.Combine(set.Root, "nowhere");
        var (code, _, stderr) = Cli("train", "--data", missing, "--out", set.NewFolder("m"));
        Assert.Equal(1, code);
        Assert.Equal($"reid-train: --data '{missing}' does not exist; pass a Market-1501 folder (bounding_box_train, ...) or one folder per identity", Lines(stderr).Single());

        string empty = set.NewFolder("empty");
        (code, _, stderr) = Cli("train", "--data", empty, "--out", set.NewFolder("e"));
        Assert.Equal(1, code);
        Assert.Contains("holds no identities", Lines(stderr).Single());
    }
}
