using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ReId.Inference;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;
using ReIdTrainer.Evaluation;
using ReIdTrainer.Losses;
using ReIdTrainer.Models;
using ReIdTrainer.Onnx;
using ReIdTrainer.Sampling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using ModelMetadata = ReId.Core.Models.ModelMetadata;

namespace ReIdTrainer.Training;

public sealed record TrainingResult(
    string ModelPath,
    string LastCheckpoint,
    IReadOnlyList<EpochRecord> History,
    EvaluationReport? FinalValidation);

/// <summary>
/// The training loop: PK batches, BNNeck losses (triplet on the pre-BN feature, identity on the
/// BN feature), AdamW with warm-up and cosine decay, a checkpoint per epoch, optional validation
/// through the exported ONNX graph (so the figures are those the worker will get).
/// </summary>
public static class Trainer
{
    public const string ModelFile = "model.onnx";
    public const string HistoryFile = "history.csv";
    public const string CurvesFile = "curves.png";
    private const string ValidationFile = "validation.partial.onnx";

    /// <param name="resume">A checkpoint to continue: same data, same options, its optimizer state.</param>
    /// <param name="init">
    /// A checkpoint whose network (backbone, embedding head, BNNeck) starts a new run, with a fresh
    /// classifier for this data's identities and a fresh optimizer and schedule: fine-tuning a
    /// shipped model on a site's own tracklets.
    /// </param>
    public static TrainingResult Run(TrainingOptions requested, string dataPath, string outDir, ILogger logger,
        TextWriter progress, string? resume = null, CancellationToken cancel = default, string? init = null)
    {
        if (resume is not null && init is not null)
            throw new TrainerException("--resume and --init exclude each other: --resume continues a run where it stopped, --init starts a new run from a checkpoint's weights");
        TrainingCheckpoint? checkpoint = resume is null ? null : TrainingCheckpoint.Read(resume);
        // A resumed run keeps everything that shaped the model and its schedule; only how long to
        // go on and how often to validate are the caller's to change.
        var options = checkpoint is null ? requested
            : checkpoint.Options with { Epochs = requested.Epochs, ValidateEvery = requested.ValidateEvery };
        if (options.Validate() is { } problem) throw new TrainerException(problem);
        if (checkpoint is not null && checkpoint.Epoch >= options.Epochs)
            throw new TrainerException($"checkpoint '{resume}' is already at epoch {checkpoint.Epoch}; pass --epochs above {checkpoint.Epoch} to continue training");

        var dataset = LoadDataset(dataPath);
        var set = TrainingSet.From(dataset.Train);
        if (set.Images.Count == 0)
            throw new TrainerException($"'{dataPath}' has no training images with an identity ({dataset.Layout} layout)");
        if (options.ValidateEvery > 0 && (dataset.Query.Count == 0 || dataset.Gallery.Count == 0))
            throw new TrainerException($"--validate-every needs a query/gallery split, but '{dataPath}' ({dataset.Layout} layout) has none; use the Market-1501 layout or drop --validate-every");
        var sampler = new PkSampler(set.Labels, options.IdentitiesPerBatch, options.ImagesPerIdentity);
        if (checkpoint is not null && checkpoint.Identities != set.IdentityCount)
            throw new TrainerException($"checkpoint '{resume}' was trained on {checkpoint.Identities} identities but '{dataPath}' has {set.IdentityCount}; resume on the same training data");
        TrainingCheckpoint? initial = init is null ? null : ReadInitial(init, options);
        string trainingData = checkpoint?.TrainingData
            ?? $"{dataset.Layout} '{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataPath)))}': {set.IdentityCount} identities, {set.Images.Count} images"
               + (initial is null ? "" : $"; fine-tuned from {Path.GetFileName(init)} (epoch {initial.Epoch} of {initial.TrainingData})");

        Directory.CreateDirectory(outDir);
        torch.manual_seed(options.Seed);
        using var model = checkpoint?.LoadModel(resume!)
            ?? (initial is not null ? InitialModel(initial, init!, set.IdentityCount, logger) : NewModel(options, set.IdentityCount, logger));
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.AdamW(parameters, lr: options.LearningRate, weight_decay: options.WeightDecay);
        if (checkpoint is not null) checkpoint.LoadOptimizer(resume!, optimizer);

        var triplet = new TripletLoss(options.TripletLoss);
        var identity = new IdentityLoss(options.LabelSmoothing);
        var loader = new ImageBatchLoader(options.Height, options.Width, options.Augment ? Augmentation.Training : Augmentation.None);
        var schedule = new LearningRateSchedule(options.LearningRate, options.Epochs * (long)sampler.BatchesPerEpoch, options.WarmupFraction);
        var history = new List<EpochRecord>(checkpoint?.History ?? []);
        long step = checkpoint?.Step ?? 0;
        int firstEpoch = (checkpoint?.Epoch ?? 0) + 1;
        string lastCheckpoint = resume is null ? "" : Path.GetFullPath(resume);
        EvaluationReport? lastReport = null;

        logger.LogInformation("Training {Backbone} on {Data}: {Batches} batches of {P}x{K} per epoch, epochs {First}..{Last}",
            options.Backbone, trainingData, sampler.BatchesPerEpoch, options.IdentitiesPerBatch, options.ImagesPerIdentity, firstEpoch, options.Epochs);
        for (int epoch = firstEpoch; epoch <= options.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            // Seeded per epoch rather than once, so a resumed run draws the same batches and
            // augmentations as the uninterrupted one would have. Not HashCode.Combine: it is
            // randomised per process, which would make every run different.
            var rng = new Random(unchecked(options.Seed * 1_000_003 + epoch));
            model.train();
            var sums = new double[5];
            int steps = 0, images = 0;
            var clock = Stopwatch.StartNew();
            foreach (int[] batch in sampler.Epoch(rng))
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                optimizer.ParamGroups.First().LearningRate = schedule.At(step);
                var x = loader.Load([.. batch.Select(i => set.Images[i].Path)], rng);
                var y = tensor(batch.Select(i => (long)set.Labels[i]).ToArray());

                optimizer.zero_grad();
                var features = model.Net.Features(x);
                var tripletResult = triplet.Compute(features.Feature, y);
                var loss = tripletResult.Loss;
                if (options.IdLossWeight > 0)
                    loss = loss + options.IdLossWeight * identity.Compute(model.Classifier.forward(features.BnFeature), y);
                loss.backward();
                optimizer.step();

                double total = loss.ToDouble();
                // Caught here rather than in the epoch means: one NaN step poisons the weights, and
                // every checkpoint after it would be useless.
                if (!double.IsFinite(total))
                    throw new TrainerException($"the loss became {total} at epoch {epoch}, step {step + 1}; training diverged; train again with a lower --lr (now {options.LearningRate}) or check the data");
                var s = tripletResult.Stats;
                sums[0] += total;
                sums[1] += s.Loss;
                sums[2] += s.ActiveFraction;
                sums[3] += s.MeanPositiveDistance;
                sums[4] += s.MeanNegativeDistance;
                steps++;
                images += batch.Length;
                step++;
            }
            double seconds = clock.Elapsed.TotalSeconds;
            // A finite loss can still push weights to inf/NaN; stop before such weights are
            // checkpointed, so no checkpoint or model.onnx ever holds them.
            if (FirstNonFinite(model) is { } bad)
                throw new TrainerException($"parameter '{bad}' is no longer finite after epoch {epoch}; training diverged; train again with a lower --lr (now {options.LearningRate})");
            var record = new EpochRecord(epoch, sums[0] / steps, sums[1] / steps, sums[2] / steps, sums[3] / steps, sums[4] / steps,
                images / Math.Max(seconds, 1e-9));

            if (options.ValidateEvery > 0 && (epoch % options.ValidateEvery == 0 || epoch == options.Epochs))
            {
                lastReport = Validate(model.Net, options, trainingData, dataset, outDir, logger, cancel);
                record = record with { MeanAveragePrecision = lastReport.MeanAveragePrecision, Rank1 = lastReport.Rank1 };
            }
            history.Add(record);
            progress.WriteLine(Describe(record, options.Epochs, schedule.At(step - 1)));

            lastCheckpoint = Path.Combine(Path.GetFullPath(outDir), TrainingCheckpoint.FileName(epoch));
            new TrainingCheckpoint(TrainingCheckpoint.FormatName, epoch, step, set.IdentityCount, trainingData, options, history)
                .Save(lastCheckpoint, model, optimizer);
            EpochRecord.WriteCsv(Path.Combine(outDir, HistoryFile), history);
            TrainingCurves.Write(Path.Combine(outDir, CurvesFile), history);
        }

        string modelPath = Path.Combine(Path.GetFullPath(outDir), ModelFile);
        var export = OnnxExporter.Export(model.Net, Metadata(options, trainingData, history), modelPath, logger);
        return new TrainingResult(export.OutputPath, lastCheckpoint, history, lastReport);
    }

    /// <summary>
    /// What goes into the ONNX file's metadata. The metrics are the last validation's, so a model
    /// never claims figures measured on an earlier state of its weights.
    /// </summary>
    public static ModelMetadata Metadata(TrainingOptions options, string trainingData, IReadOnlyList<EpochRecord> history)
    {
        var last = history.Count > 0 ? history[^1] : null;
        string? metrics = last?.MeanAveragePrecision is { } map
            ? JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["epoch"] = last.Epoch,
                ["mAP"] = Math.Round(map, 6),
                ["rank1"] = Math.Round(last.Rank1 ?? 0, 6),
                ["protocol"] = "market1501 query/gallery, same-camera matches excluded",
            })
            : null;
        return new ModelMetadata
        {
            InputHeight = options.Height,
            InputWidth = options.Width,
            Mean = ImageBatchLoader.Mean,
            Std = ImageBatchLoader.Std,
            ModelName = $"reid-{options.Backbone.ToString().ToLowerInvariant()}",
            ModelVersion = string.Create(CultureInfo.InvariantCulture, $"e{last?.Epoch ?? 0}-seed{options.Seed}"),
            TrainingData = trainingData,
            Metrics = metrics,
        };
    }

    public static ReIdDataset LoadDataset(string path)
    {
        if (!Directory.Exists(path))
            throw new TrainerException($"--data '{path}' does not exist; pass a Market-1501 folder ({Market1501Layout.TrainFolder}, ...) or one folder per identity");
        return Directory.Exists(Path.Combine(path, Market1501Layout.TrainFolder))
            ? Market1501Layout.Load(path)
            : FolderPerIdentityLayout.Load(path);
    }

    /// <summary>
    /// The checkpoint <paramref name="init"/> names, refused when its network cannot be the one
    /// <paramref name="options"/> describe: the weights would not fit, or the model would be fed
    /// images of another size than it learnt on.
    /// </summary>
    public static TrainingCheckpoint ReadInitial(string init, TrainingOptions options)
    {
        var c = TrainingCheckpoint.Read(init);
        var had = c.Options;
        if (had.Backbone != options.Backbone)
            throw new TrainerException($"--init '{init}' holds a {had.Backbone} network but --backbone is {options.Backbone}; pass --backbone {had.Backbone.ToString().ToLowerInvariant()}");
        if (had.Height != options.Height || had.Width != options.Width)
            throw new TrainerException($"--init '{init}' was trained on {had.Height}x{had.Width} inputs but --height/--width are {options.Height}x{options.Width}; pass --height {had.Height} --width {had.Width}");
        return c;
    }

    /// <summary>
    /// A model for <paramref name="identities"/> identities whose network is the checkpoint's. Only
    /// the .pt weights and the .json beside them are read: the optimizer state of the source run is
    /// no use to a new run.
    /// </summary>
    public static TrainingModel InitialModel(TrainingCheckpoint initial, string init, int identities, ILogger logger)
    {
        using var source = initial.LoadModel(init);
        var model = new TrainingModel(initial.Options.Backbone, identities);
        if (source.Net.EmbeddingDim != model.Net.EmbeddingDim)
        {
            model.Dispose();
            throw new TrainerException($"--init '{init}' embeds into {source.Net.EmbeddingDim} dimensions but this trainer's {initial.Options.Backbone} network has {model.Net.EmbeddingDim}; it was written by another trainer version");
        }
        using (no_grad())
        {
            var (missing, unexpected) = model.Net.load_state_dict(source.Net.state_dict(), strict: true);
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                model.Dispose();
                throw new TrainerException($"--init '{init}' does not match this trainer's {initial.Options.Backbone} network (missing {string.Join(", ", missing)}; unexpected {string.Join(", ", unexpected)})");
            }
        }
        logger.LogInformation("Network initialised from {Checkpoint} (epoch {Epoch}, {Data}); new classifier for {Identities} identities",
            init, initial.Epoch, initial.TrainingData, identities);
        return model;
    }

    private static TrainingModel NewModel(TrainingOptions options, int identities, ILogger logger)
    {
        var model = new TrainingModel(options.Backbone, identities);
        if (model.Net.Backbone is ResNet18Backbone resnet)
        {
            try
            {
                ResNet18ImageNetWeights.Load(resnet, ResNet18Source.Locate(null));
                logger.LogInformation("ResNet-18 initialised from ImageNet weights ({Package})", ResNet18Source.PackageId);
            }
            catch (TrainerException ex)
            {
                // Training from scratch still works, only far worse on real data; say so loudly.
                logger.LogWarning("ResNet-18 starts from random weights: {Reason}", ex.Message);
            }
        }
        return model;
    }

    private static string? FirstNonFinite(TrainingModel model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (!p.isfinite().all().ToBoolean()) return name;
        return null;
    }

    private static EvaluationReport Validate(EmbeddingNet net, TrainingOptions options, string trainingData, ReIdDataset dataset,
        string outDir, ILogger logger, CancellationToken cancel)
    {
        string path = Path.Combine(Path.GetFullPath(outDir), ValidationFile);
        try
        {
            OnnxExporter.Export(net, Metadata(options, trainingData, []), path, logger);
            return ReIdEvaluation.Run(dataset, path, DevicePreference.Cpu, reRank: false, logger, cancel: cancel);
        }
        finally
        {
            if (File.Exists(path)) File.Delete(path);
        }
    }

    private static string Describe(EpochRecord r, int epochs, double lr)
    {
        var c = CultureInfo.InvariantCulture;
        string line = string.Create(c,
            $"epoch {r.Epoch}/{epochs}  loss {r.Loss:F4} (triplet {r.TripletLoss:F4})  active {r.ActiveFraction:P1}  d(a,p) {r.MeanPositiveDistance:F3}  d(a,n) {r.MeanNegativeDistance:F3}  {r.ImagesPerSecond:F1} img/s  lr {lr:G3}");
        if (r.MeanAveragePrecision is { } map)
            line += string.Create(c, $"  mAP {map:P2}  rank-1 {r.Rank1 ?? 0:P2}");
        return line;
    }
}

/// <summary>Linear warm-up from lr/warm-up steps to lr, then cosine decay to 1% of lr at the last step.</summary>
public sealed class LearningRateSchedule(double baseRate, long totalSteps, double warmupFraction)
{
    private readonly long _warmup = (long)Math.Ceiling(warmupFraction * totalSteps);

    public double At(long step)
    {
        if (step < _warmup) return baseRate * (step + 1) / _warmup;
        double floor = 0.01 * baseRate;
        double progress = Math.Clamp((double)(step - _warmup) / Math.Max(1, totalSteps - _warmup - 1), 0, 1);
        return floor + (baseRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
