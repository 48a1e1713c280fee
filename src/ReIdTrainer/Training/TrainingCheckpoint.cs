using System.Text.Json;
using ReIdTrainer.Cli;
using TorchSharp.Modules;

namespace ReIdTrainer.Training;

/// <summary>
/// What <c>checkpoint-epochNNN.json</c> holds beside the weights (<c>.pt</c>) and the optimizer
/// state (<c>.optim.pt</c>). The JSON is read first: it says how to build the module the weights
/// load into, and its format marker tells a trainer checkpoint from any other TorchSharp file.
/// </summary>
public sealed record TrainingCheckpoint(
    string Format,
    int Epoch,
    long Step,
    int Identities,
    string TrainingData,
    TrainingOptions Options,
    IReadOnlyList<EpochRecord> History)
{
    public const string FormatName = "reid-train-checkpoint/1";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string FileName(int epoch) => $"checkpoint-epoch{epoch:D3}.pt";
    public static string MetadataPath(string weights) => Path.ChangeExtension(weights, ".json");
    public static string OptimizerPath(string weights) => Path.ChangeExtension(weights, ".optim.pt");

    public void Save(string weights, TrainingModel model, OptimizerHelper optimizer)
    {
        // Metadata last: a checkpoint whose JSON exists is complete, even if a crash interrupted the next one.
        model.save(weights);
        optimizer.save_state_dict(OptimizerPath(weights));
        File.WriteAllText(MetadataPath(weights), JsonSerializer.Serialize(this, Json));
    }

    public static TrainingCheckpoint Read(string weights)
    {
        string full = Path.GetFullPath(weights);
        if (!File.Exists(full))
            throw new TrainerException($"checkpoint '{weights}' does not exist; pass a checkpoint-epochNNN.pt written by reid-train train");
        string meta = MetadataPath(full);
        if (!File.Exists(meta))
            throw new TrainerException($"'{weights}' is not a reid-train checkpoint: '{Path.GetFileName(meta)}' is missing beside it (train writes checkpoint-epochNNN.pt with a .json of the same name)");
        TrainingCheckpoint? c;
        try
        {
            c = JsonSerializer.Deserialize<TrainingCheckpoint>(File.ReadAllText(meta), Json);
        }
        catch (JsonException ex)
        {
            throw new TrainerException($"'{weights}' is not a reid-train checkpoint: '{Path.GetFileName(meta)}' is not valid checkpoint JSON ({ex.Message})", ex);
        }
        if (c is null || c.Format != FormatName || c.Options is null || c.History is null)
            throw new TrainerException($"'{weights}' is not a reid-train checkpoint: '{Path.GetFileName(meta)}' lacks the format marker {FormatName}");
        if (c.Options.Validate() is { } problem)
            throw new TrainerException($"checkpoint '{weights}' holds invalid options: {problem}");
        return c;
    }

    /// <summary>Builds the module the checkpoint describes and loads its weights into it.</summary>
    public TrainingModel LoadModel(string weights)
    {
        var model = new TrainingModel(Options.Backbone, Identities);
        try
        {
            model.load(weights, strict: true);
        }
        catch (Exception ex) when (ex is not TrainerException)
        {
            model.Dispose();
            throw new TrainerException($"'{weights}' is not a readable reid-train checkpoint: its weights do not load into a {Options.Backbone} model with {Identities} identities ({ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")})", ex);
        }
        return model;
    }

    public void LoadOptimizer(string weights, OptimizerHelper optimizer)
    {
        string path = OptimizerPath(weights);
        if (!File.Exists(path))
            throw new TrainerException($"checkpoint '{weights}' has no optimizer state '{Path.GetFileName(path)}' beside it; it cannot be resumed (it can still be exported)");
        try
        {
            optimizer.load_state_dict(path);
        }
        catch (Exception ex)
        {
            throw new TrainerException($"optimizer state '{path}' could not be read ({ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")})", ex);
        }
    }
}
