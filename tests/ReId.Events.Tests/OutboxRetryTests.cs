using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ReId.Core.Events;
using ReId.Events.Outbox;

namespace ReId.Events.Tests;

/// <summary>How the outbox's delivery loop waits between failed attempts and bounds a hanging one.</summary>
public sealed class OutboxRetryTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly OutboxFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_back_off_between_failed_deliveries_doubles_up_to_the_maximum_with_jitter()
    {
        var baseDelay = TimeSpan.FromMilliseconds(20);
        var maxDelay = TimeSpan.FromMilliseconds(320);
        const int failures = 8;
        var inner = new FailingThenHealthySink(failures);
        var log = new DelayLog();
        await using var sink = new OutboxEventSink(inner,
            new OutboxOptions { Directory = _folder.Path, RetryBaseDelay = baseDelay, RetryMaxDelay = maxDelay }, log);
        var events = SampleTrackEvents.ForCamera("cam-01", 5);
        foreach (var e in events)
            await sink.PublishAsync(e, CancellationToken.None);

        using (var bound = new CancellationTokenSource(Bound))
            await sink.FlushAsync(bound.Token);

        Assert.Equal(events, inner.Delivered);
        IReadOnlyList<TimeSpan> delays = log.Delays;
        IReadOnlyList<TimeSpan> attempts = inner.FlushTimes;
        Assert.Equal(failures, delays.Count);
        Assert.Equal(failures + 1, attempts.Count);
        for (int n = 1; n <= failures; n++)
        {
            // The n-th consecutive failure waits between half and all of min(base x 2^n, max), at least base.
            double ceiling = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, n), maxDelay.TotalMilliseconds);
            double floor = Math.Max(baseDelay.TotalMilliseconds, ceiling / 2);
            double delay = delays[n - 1].TotalMilliseconds;
            Assert.InRange(delay, floor, ceiling);
            // And the loop really waited that long before trying again. 5 ms of slack: .NET timers run on
            // Linux's coarse monotonic clock (one scheduler tick, 4 ms at 250 Hz), not the Stopwatch's.
            double waited = (attempts[n] - attempts[n - 1]).TotalMilliseconds;
            Assert.True(waited >= delay - 5, $"attempt {n + 1} came {waited:0.0} ms after attempt {n}, before its {delay:0.0} ms back-off");
        }
        // Grows: the waits at the cap are longer than any of the first two could be.
        Assert.True(delays.Skip(4).Min() > delays.Take(2).Max(), string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0}")));
        // Jittered: four waits at the cap, drawn at random between max/2 and max, are not all the same.
        Assert.True(delays.Skip(4).Distinct().Count() > 1, string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0.000}")));
        Assert.Contains(log.Messages, m => m.Contains($"resumed after {failures} failed attempt(s)"));
    }

    [Fact]
    public async Task A_delivery_attempt_that_hangs_is_abandoned_after_its_timeout_and_retried()
    {
        var inner = new HangingOnceSink();
        await using var sink = new OutboxEventSink(inner, new OutboxOptions
        {
            Directory = _folder.Path,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            DeliveryAttemptTimeout = TimeSpan.FromMilliseconds(300),
        });
        var events = SampleTrackEvents.ForCamera("cam-02", 4);
        foreach (var e in events)
            await sink.PublishAsync(e, CancellationToken.None);

        using (var bound = new CancellationTokenSource(Bound))
            await sink.FlushAsync(bound.Token);

        Assert.True(inner.HungFlushWasCancelled);
        Assert.Equal(events, inner.Delivered);
        Assert.Equal(0, sink.PendingEvents);
    }

    [Fact]
    public void An_attempt_timeout_outside_what_the_pipeline_accepts_is_refused_naming_the_setting()
    {
        var options = new OutboxOptions { Directory = _folder.Path, DeliveryAttemptTimeout = TimeSpan.FromMilliseconds(1) };
        var refused = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith("outbox DeliveryAttemptTimeout must be between 10 ms and 1 day (got 00:00:00.0010000)", refused.Message);
    }

    /// <summary>Refuses the first <c>failures</c> flushes like an unreachable Kafka, then confirms; times every flush.</summary>
    private sealed class FailingThenHealthySink(int failures) : IEventSink
    {
        private readonly object _gate = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<TrackEvent> _handed = [];
        private readonly List<TrackEvent> _delivered = [];
        private readonly List<TimeSpan> _flushTimes = [];

        public string Describe => "failing://inner";
        public IReadOnlyList<TrackEvent> Delivered { get { lock (_gate) return _delivered.ToList(); } }
        public IReadOnlyList<TimeSpan> FlushTimes { get { lock (_gate) return _flushTimes.ToList(); } }

        public Task CheckReadyAsync(CancellationToken ct) => Task.CompletedTask;

        public ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
        {
            lock (_gate)
                _handed.Add(trackEvent);
            return ValueTask.CompletedTask;
        }

        public Task FlushAsync(CancellationToken ct)
        {
            lock (_gate)
            {
                _flushTimes.Add(_clock.Elapsed);
                var handed = _handed.ToList();
                _handed.Clear();
                if (_flushTimes.Count <= failures)
                    return Task.FromException(new EventDeliveryException($"{handed.Count} event(s) not delivered to failing://inner", handed));
                _delivered.AddRange(handed);
                return Task.CompletedTask;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Its first flush never returns unless cancelled, as a wedged client would; later flushes confirm.</summary>
    private sealed class HangingOnceSink : IEventSink
    {
        private readonly object _gate = new();
        private readonly List<TrackEvent> _handed = [];
        private readonly List<TrackEvent> _delivered = [];
        private int _flushes;

        public volatile bool HungFlushWasCancelled;
        public string Describe => "hanging://inner";
        public IReadOnlyList<TrackEvent> Delivered { get { lock (_gate) return _delivered.ToList(); } }

        public Task CheckReadyAsync(CancellationToken ct) => Task.CompletedTask;

        public ValueTask PublishAsync(TrackEvent trackEvent, CancellationToken ct)
        {
            lock (_gate)
                _handed.Add(trackEvent);
            return ValueTask.CompletedTask;
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (Interlocked.Increment(ref _flushes) == 1)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    HungFlushWasCancelled = true;
                    lock (_gate)
                        _handed.Clear(); // like Kafka after a cancelled flush: the events are the caller's again
                    throw;
                }
            }
            lock (_gate)
            {
                _delivered.AddRange(_handed);
                _handed.Clear();
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Keeps the back-off the delivery loop logged with each retry (the structured "Delay" field).</summary>
    private sealed class DelayLog : ILogger
    {
        private readonly List<TimeSpan> _delays = [];
        private readonly List<string> _messages = [];

        public IReadOnlyList<TimeSpan> Delays { get { lock (_delays) return _delays.ToList(); } }
        public IReadOnlyList<string> Messages { get { lock (_delays) return _messages.ToList(); } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_delays)
            {
                _messages.Add(formatter(state, exception));
                if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
                    foreach (var (key, value) in fields)
                        if (key == "Delay" && value is TimeSpan delay)
                            _delays.Add(delay);
            }
        }
    }
}
