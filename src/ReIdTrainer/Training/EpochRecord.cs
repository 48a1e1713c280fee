using System.Globalization;
using System.Text;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Training;

/// <summary>One epoch's means over its steps; mAP and rank-1 only for epochs that were validated.</summary>
public sealed record EpochRecord(
    int Epoch,
    double Loss,
    double TripletLoss,
    double ActiveFraction,
    double MeanPositiveDistance,
    double MeanNegativeDistance,
    double ImagesPerSecond,
    double? MeanAveragePrecision = null,
    double? Rank1 = null)
{
    /// <summary>triplet and img_s came later; <see cref="ReadCsv"/> reads files with or without them.</summary>
    public const string CsvHeader = "epoch,loss,active,dap,dan,mAP,rank1,triplet,img_s";

    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        return string.Join(",",
            Epoch.ToString(c), Loss.ToString("R", c), ActiveFraction.ToString("R", c),
            MeanPositiveDistance.ToString("R", c), MeanNegativeDistance.ToString("R", c),
            MeanAveragePrecision?.ToString("R", c) ?? "", Rank1?.ToString("R", c) ?? "",
            TripletLoss.ToString("R", c), ImagesPerSecond.ToString("R", c));
    }

    /// <summary>
    /// Reads a history.csv by its header names. Columns a file lacks come back as NaN (triplet,
    /// img_s) or null (mAP, rank1).
    /// </summary>
    public static IReadOnlyList<EpochRecord> ReadCsv(string path)
    {
        if (!File.Exists(path))
            throw new TrainerException($"history file '{path}' does not exist; pass the history.csv that reid-train train writes into its --out folder");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        string[] header = lines.Count == 0 ? [] : lines[0].Split(',');
        int Column(string name, bool required)
        {
            int i = Array.IndexOf(header, name);
            if (i < 0 && required)
                throw new TrainerException($"'{path}' is not a reid-train history: its first line lacks the column '{name}' (expected {CsvHeader})");
            return i;
        }
        int epoch = Column("epoch", true), loss = Column("loss", true), active = Column("active", true), dap = Column("dap", true), dan = Column("dan", true);
        int map = Column("mAP", false), rank1 = Column("rank1", false), triplet = Column("triplet", false), rate = Column("img_s", false);

        var records = new List<EpochRecord>();
        for (int n = 1; n < lines.Count; n++)
        {
            string[] f = lines[n].Split(',');
            double? Value(int i, bool required)
            {
                if (i < 0 || i >= f.Length || f[i].Length == 0)
                    return required ? throw new TrainerException($"'{path}' line {n + 1} has no value for '{header[Math.Max(i, 0)]}'") : null;
                return double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
                    : throw new TrainerException($"'{path}' line {n + 1}: '{f[i]}' in column '{header[i]}' is not a number");
            }
            records.Add(new EpochRecord((int)Value(epoch, true)!.Value, Value(loss, true)!.Value, Value(triplet, false) ?? double.NaN,
                Value(active, true)!.Value, Value(dap, true)!.Value, Value(dan, true)!.Value, Value(rate, false) ?? double.NaN,
                Value(map, false), Value(rank1, false)));
        }
        if (records.Count == 0)
            throw new TrainerException($"'{path}' holds no epochs; it is written after each finished epoch");
        return records;
    }

    public static void WriteCsv(string path, IEnumerable<EpochRecord> history)
    {
        var text = new StringBuilder().AppendLine(CsvHeader);
        foreach (var r in history) text.AppendLine(r.ToCsv());
        File.WriteAllText(path, text.ToString());
    }
}
