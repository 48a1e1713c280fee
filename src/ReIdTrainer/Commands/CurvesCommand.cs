using System.CommandLine;
using ReIdTrainer.Cli;
using ReIdTrainer.Training;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train curves --history history.csv --out curves.png</c>: redraws a run's training
/// curves, e.g. for a run copied from another machine or one trained before curves were drawn.
/// </summary>
public static class CurvesCommand
{
    public static Command Create()
    {
        var history = new Option<FileInfo>("--history") { Description = "history.csv written by reid-train train", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "PNG file to write", Required = true };
        var command = new Command("curves", "Draw loss, active triplets, mean d(a,p)/d(a,n) and validation mAP/rank-1 per epoch as a PNG")
        {
            history, output,
        };
        command.SetAction(parse =>
        {
            string outPath = parse.GetRequiredValue(output).FullName;
            if (!outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new TrainerException($"--out '{outPath}' must end in .png");
            var records = EpochRecord.ReadCsv(parse.GetRequiredValue(history).FullName);
            if (Path.GetDirectoryName(outPath) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
            TrainingCurves.Write(outPath, records);
            parse.InvocationConfiguration.Output.WriteLine($"wrote {outPath} ({records.Count} epochs)");
            return 0;
        });
        return command;
    }
}
