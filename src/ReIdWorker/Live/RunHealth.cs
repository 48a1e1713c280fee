using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ReId.Core.Gallery;

namespace ReIdWorker.Live;

/// <summary>
/// /health/live: the process answers and no camera is stuck on one frame (a dead-locked or hung stage).
/// Waiting for a camera that is offline is not stuck: the source reconnects on its own.
/// </summary>
public sealed class LivenessCheck(IEnumerable<CameraWorker> cameras) : IHealthCheck
{
    /// <summary>No frame takes this long, even on a slow CPU with many people in view.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(120);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stuck = cameras.Where(c => c.BusyFor > StuckAfter).Select(c => $"{c.CameraId} ({c.BusyFor.TotalSeconds:0} s on one frame)").ToList();
        return Task.FromResult(stuck.Count == 0
            ? HealthCheckResult.Healthy("camera loops are progressing")
            : HealthCheckResult.Unhealthy($"stuck camera(s): {string.Join(", ", stuck)}"));
    }
}

/// <summary>
/// /health/ready: the model is loaded (the host starts only after it is), at least one camera of this
/// worker delivers frames, and track events can be accepted: the outbox folder is writable (or the JSONL
/// file is) and nothing was refused within the last minute. Kafka being unreachable is Degraded, still
/// ready (200): the outbox holds the events and delivers them later, and taking the worker out of
/// service would not bring Kafka back. Qdrant unreachable is Degraded too (identities go on, provisional,
/// against the local cache). A worker whose shard has no cameras is ready (nothing to wait for).
/// </summary>
public sealed class ReadinessCheck(IEnumerable<CameraWorker> cameras, RunComponents components,
    Microsoft.Extensions.Logging.ILogger<ReadinessCheck> logger) : IHealthCheck
{

    private HealthStatus? _lastStatus;

    private static readonly TimeSpan ProbeEvery = TimeSpan.FromSeconds(5);
    private readonly object _gate = new();
    private DateTime _probedAt = DateTime.MinValue;
    private string? _probeError;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var sink = components.Sink;
        var all = cameras.ToList();
        var connected = all.Where(c => c.Connected).Select(c => c.CameraId).ToList();
        var data = new Dictionary<string, object>
        {
            ["cameras"] = all.ToDictionary(c => c.CameraId, c => (object)new
            {
                connected = c.Connected,
                framesRead = c.SourceStats?.FramesRead ?? 0,
                framesDropped = c.SourceStats?.FramesDropped ?? 0,
                reconnects = c.SourceStats?.Reconnects ?? 0,
                lastFrameAt = c.SourceStats?.LastFrameAt,
                lastError = c.SourceStats?.LastError,
                liveTracks = c.LiveTracks,
            }),
            ["eventSink"] = sink.Describe,
        };
        if (sink.Outbox is { } outbox)
        {
            data["outboxPendingEvents"] = outbox.PendingEvents;
            data["kafkaLastError"] = outbox.LastError ?? "";
        }

        var problems = new List<string>();
        if (all.Count > 0 && connected.Count == 0)
            problems.Add($"no camera connected yet ({string.Join(", ", all.Select(c => $"{c.CameraId}: {c.SourceStats?.LastError ?? "connecting"}"))})");
        if (ProbeSink() is { } sinkProblem)
            problems.Add(sinkProblem);
        if (sink.RecentRefusal is { } refusal)
            problems.Add($"track events refused within the last minute: {refusal}");

        HealthCheckResult result;
        if (problems.Count > 0)
            result = HealthCheckResult.Unhealthy(string.Join("; ", problems), data: data);
        else if (sink.Outbox?.LastError is { } kafkaError)
            result = HealthCheckResult.Degraded($"Kafka unreachable, events wait in the outbox ({kafkaError})", data: data);
        else if (components.Gallery is IDegradableGallery { IsDegraded: true })
            result = HealthCheckResult.Degraded("shared gallery unreachable: identities are provisional, decided against the local cache", data: data);
        else
            result = HealthCheckResult.Healthy(all.Count == 0 ? "no cameras in this worker's shard" : $"{connected.Count} of {all.Count} camera(s) connected", data);
        RunMetrics.Ready.Set(result.Status == HealthStatus.Unhealthy ? 0 : 1);
        // Probes come every few seconds: log changes, not every answer.
        lock (_gate)
        {
            if (_lastStatus != result.Status)
                Microsoft.Extensions.Logging.LoggerExtensions.LogInformation(logger, "Readiness {Status}: {Description}", result.Status, result.Description);
            _lastStatus = result.Status;
        }
        return Task.FromResult(result);
    }

    /// <summary>Writes a probe file where events are stored, at most every few seconds (probes are frequent).</summary>
    private string? ProbeSink()
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _probedAt < ProbeEvery) return _probeError;
            _probedAt = DateTime.UtcNow;
            string? folder = components.Sink.StorageFolder;
            if (folder is null) return _probeError = null;
            string probe = Path.Combine(folder, $".health-probe-{Environment.ProcessId}");
            try
            {
                File.WriteAllText(probe, "");
                File.Delete(probe);
                _probeError = null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _probeError = $"event storage '{folder}' is not writable ({ex.Message})";
            }
            return _probeError;
        }
    }
}

/// <summary>Health answers as JSON: overall status, and each check's status, description and data.</summary>
public static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
