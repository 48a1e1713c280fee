using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ReId.Vision.Tests;

/// <summary>Keeps log lines for assertions and echoes them to the test output.</summary>
public sealed class TestLogger(ITestOutputHelper output) : ILogger
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return _lines.ToArray(); }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}";
        lock (_lines) _lines.Add(line);
        try { output.WriteLine(line); }
        catch (InvalidOperationException) { } // a background log after the test ended
    }
}
