using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using ReId.Core.Identity;
using ReId.Vision.Sources;
using ReId.Events;
using ReIdWorker.Cli;

namespace ReIdWorker.Live;

/// <summary>
/// Reads <see cref="RunOptions"/> the way the deployment files expect: appsettings.json beside reid.dll,
/// then the --config file, then REID__ environment variables; then the cameras file; then defaults that
/// depend on the host (worker id and shard from HOSTNAME, data paths). Every problem is one line naming
/// the key and the fix.
/// </summary>
public static partial class RunConfiguration
{
    public const string EnvironmentPrefix = "REID__";

    /// <summary>Where state lives in the container image; outside it, the working folder.</summary>
    public const string DataDirectory = "/var/lib/reid";

    public static IConfigurationRoot Build(string? configFile, IDictionary<string, string?>? environment = null)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
                throw new UserInputException($"--config '{configFile}' does not exist; give a JSON file with a \"Reid\" section (see docs/run.md)");
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        // AddEnvironmentVariables("REID__") strips the prefix: REID__Events__Kafka__BootstrapServers becomes
        // Events:Kafka:BootstrapServers at the root. The contract puts it under "Reid", so the variables are
        // read on their own and re-rooted there.
        var env = new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build();
        var rerooted = env.AsEnumerable(makePathsRelative: true)
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => RunOptions.Section + ":" + kv.Key, kv => kv.Value);
        builder.AddInMemoryCollection(rerooted);
        try
        {
            return builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new UserInputException($"configuration is not valid JSON ({ex.GetBaseException().Message}); fix the file named");
        }
    }

    /// <summary>Binds, merges the cameras file, fills host defaults, validates. Problems are returned, not thrown.</summary>
    public static (RunOptions Options, List<string> Problems) Load(IConfiguration configuration, IDictionary<string, string?>? hostEnvironment = null)
    {
        var problems = new List<string>();
        var section = configuration.GetSection(RunOptions.Section);
        CheckKnownKeys(section, typeof(RunOptions), RunOptions.Section, problems);
        var options = new RunOptions();
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            problems.Add($"{ex.Message} Fix that value.");
            return (options, problems);
        }

        if (!string.IsNullOrWhiteSpace(options.CamerasFile))
            MergeCamerasFile(options, problems);

        string? hostName = hostEnvironment is null ? Environment.GetEnvironmentVariable("HOSTNAME")
            : hostEnvironment.TryGetValue("HOSTNAME", out var h) ? h : null;
        hostName ??= Environment.MachineName;
        if (string.IsNullOrWhiteSpace(options.WorkerId)) options.WorkerId = hostName;
        options.Shard.Index ??= TrailingOrdinal(hostName) ?? 0;

        Validate(options, problems);
        return (options, problems);
    }

    /// <summary>Paths left empty: under /var/lib/reid when it exists (the image creates it), else the working folder.</summary>
    public static string DefaultPath(string name) =>
        Directory.Exists(DataDirectory) ? Path.Combine(DataDirectory, name) : Path.GetFullPath(name);

    public static string? TrailingOrdinalText(string hostName) => TrailingNumber().Match(hostName) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>"reid-2" is 2, as StatefulSet pods are named.</summary>
    public static int? TrailingOrdinal(string hostName) =>
        TrailingOrdinalText(hostName) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;

    /// <summary>FNV-1a (32 bit) of the UTF-8 camera id: stable across processes, runtimes and machines.</summary>
    public static uint StableHash(string cameraId)
    {
        uint hash = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(cameraId))
        {
            hash ^= b;
            hash *= 16777619;
        }
        return hash;
    }

    public static int ShardOf(string cameraId, int shardCount) => (int)(StableHash(cameraId) % (uint)shardCount);

    /// <summary>The cameras this worker runs.</summary>
    public static IReadOnlyList<CameraOptions> CamerasOfShard(RunOptions options) =>
        options.Cameras.Where(c => ShardOf(c.Id!, options.Shard.Count) == options.Shard.Index).ToList();

    private static void MergeCamerasFile(RunOptions options, List<string> problems)
    {
        string file = options.CamerasFile!;
        if (!File.Exists(file))
        {
            problems.Add($"Reid:CamerasFile '{file}' does not exist: give a JSON file {{\"Cameras\":[{{\"Id\":...,\"Source\":...}}]}} or remove the key");
            return;
        }
        IConfigurationRoot root;
        try
        {
            root = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false).Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            problems.Add($"Reid:CamerasFile '{file}' is not valid JSON ({ex.GetBaseException().Message}): fix the file");
            return;
        }
        var cameras = root.GetSection("Cameras");
        if (!cameras.Exists())
        {
            problems.Add($"Reid:CamerasFile '{file}' has no \"Cameras\" array: write {{\"Cameras\":[{{\"Id\":...,\"Source\":...}}]}}");
            return;
        }
        foreach (var other in root.GetChildren().Where(c => c.Key != "Cameras"))
            problems.Add($"Reid:CamerasFile '{file}': '{other.Key}' is not a known setting; the file holds only \"Cameras\"");
        CheckKnownKeys(cameras, typeof(List<CameraOptions>), $"Reid:CamerasFile '{file}':Cameras", problems);
        var list = new List<CameraOptions>();
        try { cameras.Bind(list); }
        catch (InvalidOperationException ex) { problems.Add($"Reid:CamerasFile '{file}': {ex.Message}"); return; }
        options.Cameras.AddRange(list);
    }

    /// <summary>The problems of already loaded options (one line each, naming the key); empty when valid.</summary>
    public static List<string> Check(RunOptions options)
    {
        var problems = new List<string>();
        Validate(options, problems);
        return problems;
    }

    private static void Validate(RunOptions o, List<string> problems)
    {
        if (o.Device.ToLowerInvariant() is not ("auto" or "cpu" or "cuda"))
            problems.Add($"Reid:Device '{o.Device}' is unknown: use auto, cpu or cuda");
        string detector = o.Detector.Trim();
        if (detector.StartsWith("yolo:", StringComparison.OrdinalIgnoreCase))
        {
            string path = detector["yolo:".Length..];
            if (path.Length == 0 || !File.Exists(path))
                problems.Add($"Reid:Detector '{o.Detector}' names no existing file: give yolo:/path/to/model.onnx (a YOLOv8/YOLO11 ONNX export, see docs/detectors.md)");
        }
        else if (!detector.Equals("hog", StringComparison.OrdinalIgnoreCase))
            problems.Add($"Reid:Detector '{o.Detector}' is unknown: use hog or yolo:/path/to/model.onnx");
        if (o.Tracker.ToLowerInvariant() is not ("byte" or "iou"))
            problems.Add($"Reid:Tracker '{o.Tracker}' is unknown: use byte or iou");
        if (!(o.StaticIou is >= 0 and <= 1))
            problems.Add($"Reid:StaticIou {o.StaticIou.ToString(CultureInfo.InvariantCulture)} is not an IoU between 0 and 1: use e.g. 0.5, or 1 to publish tracks that never move");
        if (o.MatchThreshold is { } t && !(t > 0 && t < 1))
            problems.Add($"Reid:MatchThreshold {t.ToString(CultureInfo.InvariantCulture)} is not a cosine similarity in (0, 1): use e.g. 0.6, or null for the model's own");
        if (!string.IsNullOrWhiteSpace(o.Model) && !File.Exists(o.Model))
            problems.Add($"Reid:Model '{o.Model}' does not exist: give an .onnx embedding model, or null for the default model");

        if (o.Cameras.Count == 0)
            problems.Add("Reid:Cameras is empty: add at least one camera {\"Id\": \"entrance\", \"Source\": \"rtsp://...\"} (or Reid:CamerasFile)");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < o.Cameras.Count; i++)
        {
            var c = o.Cameras[i];
            string key = $"Reid:Cameras:{i}";
            if (string.IsNullOrWhiteSpace(c.Id))
                problems.Add($"{key}:Id is empty: give every camera a unique id (it keys Kafka partitions and event ids)");
            else if (!seen.Add(c.Id))
                problems.Add($"{key}:Id '{c.Id}' is used by another camera: camera ids must be unique");
            if (string.IsNullOrWhiteSpace(c.Source))
                problems.Add($"{key}:Source is empty: set it to a file path, /dev/videoN or an rtsp:// URL");
            else if (IsFile(c.Source) && !File.Exists(c.Source))
                problems.Add($"{key}:Source '{FrameSources.Redact(c.Source)}' (camera '{c.Id}') does not exist: give an existing video file, /dev/videoN or a stream URL (rtsp, http, tcp, srt, udp)");
            else if (c.Loop && !IsFile(c.Source))
                problems.Add($"{key}:Loop is set but '{FrameSources.Redact(c.Source)}' is not a file: only files can loop; remove Loop");
        }

        if (CameraOverlap.Parse(o.OverlappingCameras, out var overlapProblem) is { } overlap)
        {
            if (overlap.Cameras.FirstOrDefault(c => !seen.Contains(c)) is { } unknown)
                problems.Add($"Reid:OverlappingCameras names camera '{unknown}', which is not in Reid:Cameras: use the cameras' Id values");
        }
        else
            problems.Add($"Reid:OverlappingCameras: {overlapProblem}");

        if (o.Shard.Count < 1)
            problems.Add($"Reid:Shard:Count {o.Shard.Count} must be at least 1 (the number of workers sharing the cameras)");
        else if (o.Shard.Index is not { } index || index < 0 || index >= o.Shard.Count)
            problems.Add($"Reid:Shard:Index {o.Shard.Index} is outside 0..{o.Shard.Count - 1}: set it, or Reid:Shard:Count, so that Index < Count (Index defaults to HOSTNAME's trailing number)");

        if (!string.IsNullOrWhiteSpace(o.Events.Kafka.BootstrapServers))
        {
            try { new KafkaSinkOptions { BootstrapServers = o.Events.Kafka.BootstrapServers!, Topic = o.Events.Kafka.Topic }.Validate(); }
            catch (ArgumentException ex) { problems.Add($"Reid:Events:Kafka:{ex.ParamName}: {FirstSentence(ex.Message)}"); }
            if (o.Outbox.MaxBytes < 1L << 20)
                problems.Add($"Reid:Outbox:MaxBytes {o.Outbox.MaxBytes} is too small: give at least 1048576 (1 MiB); the default is 1 GiB");
        }

        if (o.Gallery.Kind.ToLowerInvariant() is not ("embedded" or "qdrant"))
            problems.Add($"Reid:Gallery:Kind '{o.Gallery.Kind}' is unknown: use embedded or qdrant");
        else if (o.Gallery.Kind.Equals("qdrant", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(o.Gallery.Qdrant.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                problems.Add($"Reid:Gallery:Qdrant:Url '{o.Gallery.Qdrant.Url}' is not an http(s) URL: give Qdrant's gRPC endpoint, e.g. http://qdrant:6334");
            if (string.IsNullOrWhiteSpace(o.Gallery.Qdrant.Collection))
                problems.Add("Reid:Gallery:Qdrant:Collection is empty: name the collection, e.g. reid-persons");
        }

        if (o.Live.StallTimeoutSeconds <= 0)
            problems.Add($"Reid:Live:StallTimeoutSeconds {o.Live.StallTimeoutSeconds} must be positive (seconds without a frame before reconnecting)");
        if (o.Live.ReconnectMaxDelaySeconds <= 0)
            problems.Add($"Reid:Live:ReconnectMaxDelaySeconds {o.Live.ReconnectMaxDelaySeconds} must be positive");
        if (o.Live.BufferFrames < 1)
            problems.Add($"Reid:Live:BufferFrames {o.Live.BufferFrames} must be at least 1 (frames kept when processing falls behind)");
        if (o.Embedder.MaxBatch is < 1 or > 1024)
            problems.Add($"Reid:Embedder:MaxBatch {o.Embedder.MaxBatch} is out of range: use 1 to 1024");
        if (o.Embedder.MaxWaitMilliseconds is < 0 or > 1000)
            problems.Add($"Reid:Embedder:MaxWaitMilliseconds {o.Embedder.MaxWaitMilliseconds} is out of range: use 0 to 1000");
        if (o.Http.Port is < 1 or > 65535)
            problems.Add($"Reid:Http:Port {o.Http.Port} is not a TCP port: use 1 to 65535");
        if (o.ShutdownTimeoutSeconds is <= 0 or > 3600)
            problems.Add($"Reid:ShutdownTimeoutSeconds {o.ShutdownTimeoutSeconds} is out of range: use more than 0 and at most 3600 (keep it below the orchestrator's grace period)");
    }

    /// <summary>A source that is neither a stream URL nor a device number/path.</summary>
    public static bool IsFile(string source) =>
        !source.Contains("://", StringComparison.Ordinal) && !DevicePattern().IsMatch(source);

    private static string FirstSentence(string message) => message.Split(" (Parameter", 2)[0];

    /// <summary>
    /// Reports keys no option reads (a typo like "Sourse" would otherwise be silently ignored and the
    /// camera would fail later with a less helpful message).
    /// </summary>
    private static void CheckKnownKeys(IConfigurationSection section, Type type, string path, List<string> problems)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var element = type.GetGenericArguments()[0];
            foreach (var child in section.GetChildren())
                CheckKnownKeys(child, element, $"{path}:{child.Key}", problems);
            return;
        }
        if (type == typeof(string) || type.IsValueType || Nullable.GetUnderlyingType(type) is not null)
            return;
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => p.Name.Equals(child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
                problems.Add($"{path}:{child.Key} is not a known setting: check the spelling; known keys here are {string.Join(", ", properties.Select(p => p.Name))}");
            else
                CheckKnownKeys(child, property.PropertyType, $"{path}:{child.Key}", problems);
        }
    }

    [GeneratedRegex(@"^(?:/dev/video)?\d+$")]
    private static partial Regex DevicePattern();

    [GeneratedRegex(@"-(\d+)$")]
    private static partial Regex TrailingNumber();
}
