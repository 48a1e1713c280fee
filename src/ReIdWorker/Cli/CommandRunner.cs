using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReId.Core.Events;
using ReId.Core.Gallery;
using ReId.Events;
using ReId.Inference;
using ReId.Vision.Sources;

namespace ReIdWorker.Cli;

/// <summary>Exit codes: scripts and supervisors act on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    /// <summary>Bad input: a missing or corrupt video, model, detection file, or bad option.</summary>
    public const int BadInput = 2;
    /// <summary>A service the run needs (Kafka, Qdrant) is unreachable.</summary>
    public const int Unavailable = 3;
    /// <summary>Events were produced but not all could be delivered.</summary>
    public const int Undelivered = 4;
    public const int Cancelled = 130;
}

/// <summary>A problem with what the user asked for; the message names the input and the fix.</summary>
public sealed class UserInputException(string message) : Exception(message);

/// <summary>
/// Turns failures into one line on stderr and an exit code. Users get the message that names the
/// input and the fix; the stack trace only with --verbose.
/// </summary>
public static class CommandRunner
{
    public static async Task<int> RunAsync(bool verbose, Func<ILoggerFactory, CancellationToken, Task<int>> body, CancellationToken ct)
    {
        using var loggers = LoggerFactory.Create(b =>
        {
            b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
            b.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
            // Logs go to stderr so stdout stays for results.
            b.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        try
        {
            return await body(loggers, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("reid: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            var (code, message) = Classify(ex);
            Console.Error.WriteLine($"reid: error: {message}");
            if (verbose) Console.Error.WriteLine(ex);
            return code;
        }
    }

    private static (int Code, string Message) Classify(Exception ex) => ex switch
    {
        UserInputException or FrameSourceException or ModelLoadException or FormatException => (ExitCodes.BadInput, ex.Message),
        GalleryUnavailableException or EventSinkNotReadyException => (ExitCodes.Unavailable, ex.Message),
        EventDeliveryException => (ExitCodes.Undelivered, ex.Message),
        UnauthorizedAccessException or IOException => (ExitCodes.BadInput, ex.Message),
        _ => (ExitCodes.Failed, $"{ex.GetType().Name}: {ex.Message} (run with --verbose for details)"),
    };
}
