using System.Globalization;

namespace ReId.Core.Models;

/// <summary>
/// The preprocessing and identity of an embedding model, stored in the ONNX file's
/// <c>metadata_props</c> under the keys of <see cref="Keys"/> so the worker needs no side-car file.
/// Explicit configuration may override any of it for models from other toolkits.
/// </summary>
public sealed record ModelMetadata
{
    public static class Keys
    {
        public const string InputName = "reid.input_name";
        public const string Layout = "reid.layout";                 // NCHW
        public const string InputHeight = "reid.input_height";
        public const string InputWidth = "reid.input_width";
        public const string ChannelOrder = "reid.channel_order";    // RGB or BGR
        public const string PixelScale = "reid.pixel_scale";        // multiply 0..255 pixels by this first
        public const string Mean = "reid.mean";                     // 3 comma-separated floats, after scaling, in the model's channel order
        public const string Std = "reid.std";                       // 3 comma-separated floats, in the model's channel order
        public const string EmbeddingDim = "reid.embedding_dim";
        public const string OutputNormalized = "reid.output_normalized"; // true when output is L2-normalised
        public const string Distance = "reid.distance";             // cosine or euclidean
        public const string ModelName = "reid.model_name";
        public const string ModelVersion = "reid.model_version";
        public const string TrainingData = "reid.training_data";
        public const string Metrics = "reid.metrics";               // JSON object
        public const string MatchThreshold = "reid.match_threshold"; // cosine similarity to call two tracklets one person
    }

    public string InputName { get; init; } = "input";
    public string Layout { get; init; } = "NCHW";
    public int InputHeight { get; init; } = 256;
    public int InputWidth { get; init; } = 128;
    public string ChannelOrder { get; init; } = "RGB";
    public float PixelScale { get; init; } = 1f / 255f;
    public float[] Mean { get; init; } = [0.485f, 0.456f, 0.406f];
    public float[] Std { get; init; } = [0.229f, 0.224f, 0.225f];
    public int EmbeddingDim { get; init; }
    public bool OutputNormalized { get; init; }
    public string Distance { get; init; } = "cosine";
    public string ModelName { get; init; } = "unknown";
    public string ModelVersion { get; init; } = "0";
    public string? TrainingData { get; init; }
    public string? Metrics { get; init; }
    /// <summary>
    /// The similarity above which two tracklets are the same person, calibrated by whoever trained
    /// the model (similarity distributions differ a lot between models); null when not calibrated.
    /// </summary>
    public float? MatchThreshold { get; init; }

    /// <summary>"name@version": what events and gallery entries record as the model.</summary>
    public string Id => $"{ModelName}@{ModelVersion}";

    public IReadOnlyDictionary<string, string> ToProperties()
    {
        var c = CultureInfo.InvariantCulture;
        var d = new Dictionary<string, string>
        {
            [Keys.InputName] = InputName,
            [Keys.Layout] = Layout,
            [Keys.InputHeight] = InputHeight.ToString(c),
            [Keys.InputWidth] = InputWidth.ToString(c),
            [Keys.ChannelOrder] = ChannelOrder,
            [Keys.PixelScale] = PixelScale.ToString("R", c),
            [Keys.Mean] = string.Join(",", Mean.Select(v => v.ToString("R", c))),
            [Keys.Std] = string.Join(",", Std.Select(v => v.ToString("R", c))),
            [Keys.EmbeddingDim] = EmbeddingDim.ToString(c),
            [Keys.OutputNormalized] = OutputNormalized ? "true" : "false",
            [Keys.Distance] = Distance,
            [Keys.ModelName] = ModelName,
            [Keys.ModelVersion] = ModelVersion,
        };
        if (TrainingData is not null) d[Keys.TrainingData] = TrainingData;
        if (Metrics is not null) d[Keys.Metrics] = Metrics;
        if (MatchThreshold is { } t) d[Keys.MatchThreshold] = t.ToString("R", c);
        return d;
    }

    /// <summary>
    /// Reads the contract from metadata properties. Missing keys keep their defaults; malformed ones
    /// throw <see cref="FormatException"/> naming the key.
    /// </summary>
    public static ModelMetadata FromProperties(IReadOnlyDictionary<string, string> p)
    {
        var m = new ModelMetadata();
        string? Get(string k) => p.TryGetValue(k, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        int Int(string k, int dflt) => Get(k) is { } v
            ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i > 0 ? i
                : throw new FormatException($"model metadata '{k}' = '{v}' is not a positive integer")
            : dflt;
        float Float(string k, float dflt) => Get(k) is { } v
            ? float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f
                : throw new FormatException($"model metadata '{k}' = '{v}' is not a number")
            : dflt;
        float[] Triple(string k, float[] dflt)
        {
            if (Get(k) is not { } v) return dflt;
            var parts = v.Split(',');
            var r = new float[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out r[i]))
                    throw new FormatException($"model metadata '{k}' = '{v}' is not 3 comma-separated numbers");
            return r.Length == 3 ? r : throw new FormatException($"model metadata '{k}' = '{v}' is not 3 comma-separated numbers");
        }
        string order = (Get(Keys.ChannelOrder) ?? m.ChannelOrder).ToUpperInvariant();
        if (order is not ("RGB" or "BGR"))
            throw new FormatException($"model metadata '{Keys.ChannelOrder}' = '{order}' must be RGB or BGR");
        string layout = (Get(Keys.Layout) ?? m.Layout).ToUpperInvariant();
        if (layout != "NCHW")
            throw new FormatException($"model metadata '{Keys.Layout}' = '{layout}' is not supported (only NCHW)");
        return m with
        {
            InputName = Get(Keys.InputName) ?? m.InputName,
            Layout = layout,
            InputHeight = Int(Keys.InputHeight, m.InputHeight),
            InputWidth = Int(Keys.InputWidth, m.InputWidth),
            ChannelOrder = order,
            PixelScale = Float(Keys.PixelScale, m.PixelScale),
            Mean = Triple(Keys.Mean, m.Mean),
            Std = Triple(Keys.Std, m.Std),
            EmbeddingDim = Get(Keys.EmbeddingDim) is null ? 0 : Int(Keys.EmbeddingDim, 0),
            OutputNormalized = string.Equals(Get(Keys.OutputNormalized), "true", StringComparison.OrdinalIgnoreCase),
            Distance = Get(Keys.Distance) ?? m.Distance,
            ModelName = Get(Keys.ModelName) ?? m.ModelName,
            ModelVersion = Get(Keys.ModelVersion) ?? m.ModelVersion,
            TrainingData = Get(Keys.TrainingData),
            Metrics = Get(Keys.Metrics),
            MatchThreshold = Get(Keys.MatchThreshold) is null ? null : Float(Keys.MatchThreshold, 0f),
        };
    }
}
