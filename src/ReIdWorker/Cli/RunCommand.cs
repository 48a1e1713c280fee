using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using ReIdWorker.Live;

namespace ReIdWorker.Cli;

/// <summary>
/// <c>reid run [--config FILE]</c>: the live edge worker. One background worker per camera of this
/// worker's shard, one embedder shared by all, health and Prometheus metrics on Reid:Http:Port, and a
/// graceful stop on SIGTERM within Reid:ShutdownTimeoutSeconds. Configuration: docs/run.md.
/// </summary>
public static class RunCommand
{
    public static Command Create(Option<bool> verbose)
    {
        var config = new Option<string?>("--config", "-c") { Description = "JSON file with a \"Reid\" section, read after appsettings.json and before REID__ environment variables" };
        var command = new Command("run", "Run the live worker: cameras from configuration, events to Kafka (through a durable outbox) or JSONL, /metrics and /health on Reid:Http:Port")
        {
            config,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(verbose), async (_, token) =>
        {
            var configuration = RunConfiguration.Build(parse.GetValue(config));
            var (options, problems) = RunConfiguration.Load(configuration);
            if (problems.Count > 0)
            {
                foreach (string problem in problems)
                    Console.Error.WriteLine($"reid: error: {problem}");
                return ExitCodes.BadInput;
            }
            return await RunAsync(options, configuration, parse.GetValue(verbose), token);
        }, ct));
        return command;
    }

    private static async Task<int> RunAsync(RunOptions options, IConfigurationRoot configuration, bool verbose, CancellationToken ct)
    {
        // Event counters are runtime internals nobody asked for; process metrics (RSS, CPU) and
        // System.Diagnostics.Metrics meters (Kafka, Polly) stay.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressDebugMetrics = true });

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        ConfigureLogging(builder.Logging, configuration, verbose);
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(options.Http.Port));
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.Services.AddOptions<RunOptions>().Configure(o => Copy(options, o)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RunOptions>, RunOptionsValidator>();

        RunComponents? components = null;
        builder.Services.AddSingleton(_ => components ?? throw new InvalidOperationException("run components are opened before the host starts"));
        builder.Services.AddHostedService<RunLifecycle>(); // first: starts first, stops last
        var shard = RunConfiguration.CamerasOfShard(options);
        for (int i = 0; i < shard.Count; i++)
        {
            var camera = shard[i];
            builder.Services.AddSingleton(sp => new CameraWorker(camera, sp.GetRequiredService<RunComponents>().CameraServices,
                sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<CameraWorker>>()));
            int index = i;
            builder.Services.AddSingleton<IHostedService>(sp => sp.GetServices<CameraWorker>().ElementAt(index));
        }
        // Singletons, so the readiness probe's cached disk check lives across requests.
        builder.Services.AddSingleton<LivenessCheck>();
        builder.Services.AddSingleton<ReadinessCheck>();
        builder.Services.AddHealthChecks()
            .AddCheck<LivenessCheck>("cameras", tags: ["live"])
            .AddCheck<ReadinessCheck>("ready", tags: ["ready"]);

        await using var app = builder.Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        // Before listening or reading a frame: a missing model stops the worker here (exit 2).
        components = await RunComponents.OpenAsync(options, loggers, app.Services.GetService<System.Diagnostics.Metrics.IMeterFactory>(), ct);

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live"), ResponseWriter = HealthResponse.WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains("ready"), ResponseWriter = HealthResponse.WriteAsync });
        app.MapMetrics("/metrics");
        bool started = false;
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => started = true);
        try
        {
            await app.RunAsync(ct); // disposes the host when it returns or throws
        }
        catch (Exception ex) when (!started)
        {
            // The host never started (no camera ran), so RunLifecycle will not close the shared stages.
            await components.Sink.DisposeAsync();
            await components.BatchingEmbedder.DisposeAsync();
            await components.Gallery.DisposeAsync();
            components.Embedder.Dispose();
            if (ex is IOException && ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
                throw new UserInputException($"Reid:Http:Port {options.Http.Port} cannot be used ({ex.Message}); choose a free port");
            throw;
        }
        return ExitCodes.Ok;
    }

    private static void ConfigureLogging(ILoggingBuilder logging, IConfiguration configuration, bool verbose)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("Logging"));
        if (string.Equals(configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
            logging.AddJsonConsole(o => { o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; });
        else
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; });
        if (verbose) logging.SetMinimumLevel(LogLevel.Debug);
    }

    private static void Copy(RunOptions from, RunOptions to)
    {
        foreach (var p in typeof(RunOptions).GetProperties().Where(p => p.CanWrite))
            p.SetValue(to, p.GetValue(from));
    }
}
