using System.Globalization;
using System.Text;

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
    public const string CsvHeader = "epoch,loss,active,dap,dan,mAP,rank1";

    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        return string.Join(",",
            Epoch.ToString(c), Loss.ToString("R", c), ActiveFraction.ToString("R", c),
            MeanPositiveDistance.ToString("R", c), MeanNegativeDistance.ToString("R", c),
            MeanAveragePrecision?.ToString("R", c) ?? "", Rank1?.ToString("R", c) ?? "");
    }

    public static void WriteCsv(string path, IEnumerable<EpochRecord> history)
    {
        var text = new StringBuilder().AppendLine(CsvHeader);
        foreach (var r in history) text.AppendLine(r.ToCsv());
        File.WriteAllText(path, text.ToString());
    }
}
