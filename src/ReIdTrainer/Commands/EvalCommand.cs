using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ReId.Inference;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;
using ReIdTrainer.Evaluation;

namespace ReIdTrainer.Commands;

/// <summary>
/// <c>reid-train eval --data DIR --model FILE.onnx</c>: rank-1/5/10 and mAP of an exported model
/// under the Market-1501 protocol, computed through the worker's own embedder so the figures hold
/// for what the worker will run.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = $"Dataset in the Market-1501 layout ({Market1501Layout.QueryFolder}, {Market1501Layout.GalleryFolder}, {Market1501Layout.TrainFolder})",
            Required = true,
        };
        var model = new Option<FileInfo>("--model")
        {
            Description = "The exported embedding model (.onnx) to evaluate",
            Required = true,
        };
        var rerank = new Option<bool>("--rerank")
        {
            Description = "Apply k-reciprocal re-ranking (k1=20, k2=6, lambda=0.3); memory grows with (queries+gallery)²",
        };
        var json = new Option<FileInfo?>("--json")
        {
            Description = "Where to write the results as JSON (default: eval-<model name>.json in the current folder)",
        };
        var device = new Option<DevicePreference>("--device")
        {
            Description = "Execution provider: auto (CUDA when available), cpu, or cuda (fail without it)",
            DefaultValueFactory = _ => DevicePreference.Auto,
        };
        var batch = new Option<int>("--batch")
        {
            Description = "Images per ONNX Runtime call",
            DefaultValueFactory = _ => FeatureExtractor.DefaultBatchSize,
        };

        var command = new Command("eval",
            "Rank-1/5/10 and mAP of an exported model on a query/gallery split (same identity in the same camera excluded, junk ignored)")
        {
            data, model, rerank, json, device, batch,
        };
        command.SetAction((parse, cancel) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var logger = new TextWriterLogger(parse.InvocationConfiguration.Error, parse.GetValue(TrainerCli.Verbose));
            string modelPath = parse.GetRequiredValue(model).FullName;
            if (!File.Exists(modelPath))
                throw new TrainerException($"--model '{modelPath}' does not exist; pass an exported .onnx file such as models/resnet18-imagenet-reid-baseline.onnx");
            int batchSize = parse.GetValue(batch);
            if (batchSize < 1)
                throw new TrainerException($"--batch {batchSize} must be at least 1");
            string jsonPath = parse.GetValue(json)?.FullName
                ?? Path.GetFullPath($"eval-{Path.GetFileNameWithoutExtension(modelPath)}.json");

            string dataPath = parse.GetRequiredValue(data).FullName;
            if (!Directory.Exists(dataPath))
                throw new TrainerException($"--data '{dataPath}' does not exist; pass a folder in the Market-1501 layout ({Market1501Layout.QueryFolder}, {Market1501Layout.GalleryFolder}, {Market1501Layout.TrainFolder})");
            var dataset = Market1501Layout.Load(dataPath);
            var report = ReIdEvaluation.Run(dataset, modelPath, parse.GetValue(device), parse.GetValue(rerank), logger, batchSize, cancel);

            if (Path.GetDirectoryName(jsonPath) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, JsonOptions));
            Print(report, jsonPath, stdout);
            return Task.FromResult(0);
        });
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private static void Print(EvaluationReport r, string jsonPath, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        var rows = new (string Name, string Value)[]
        {
            ("rank-1", r.Rank1.ToString("P2", c)),
            ("rank-5", r.Rank5.ToString("P2", c)),
            ("rank-10", r.Rank10.ToString("P2", c)),
            ("mAP", r.MeanAveragePrecision.ToString("P2", c)),
            ("re-ranking", r.ReRanked ? "k-reciprocal (k1=20, k2=6, lambda=0.3)" : "off"),
            ("queries", string.Create(c, $"{r.Queries} ({r.ValidQueries} evaluated, {r.SkippedQueries} without a valid match)")),
            ("gallery", string.Create(c, $"{r.Gallery} ({r.GalleryDistractors} distractors, {r.GalleryJunk} junk ignored)")),
            ("model", r.ModelId),
            ("provider", r.Provider),
            ("images/s", r.ImagesPerSecond.ToString("F1", c)),
        };
        int width = rows.Max(x => x.Name.Length);
        foreach (var (name, value) in rows) o.WriteLine($"{name.PadRight(width)}  {value}");
        o.WriteLine($"wrote {jsonPath}");
    }
}
