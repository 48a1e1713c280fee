using Microsoft.Extensions.Logging;

namespace ReIdTrainer.Cli;

/// <summary>
/// Progress lines on stderr for --verbose; stdout stays for results. A one-shot CLI needs no
/// logging framework, and warnings are shown even without --verbose because they say something
/// about the result (such as CUDA being unavailable).
/// </summary>
public sealed class TextWriterLogger(TextWriter writer, bool verbose) : ILogger, IDisposable
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= (verbose ? LogLevel.Information : LogLevel.Warning);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        writer.WriteLine($"{DateTime.Now:HH:mm:ss} {logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}");
    }

    public void Dispose() => writer.Flush();
}
