using System.Diagnostics;
using Confluent.Kafka;
using ReId.Core.Events;

namespace ReId.TestSupport;

/// <summary>A record read back from the topic: the Kafka key and the event parsed from the value.</summary>
public sealed record ConsumedEvent(string Key, TrackEvent Event, int Partition);

/// <summary>Reads a topic back the ways downstream consumers do: a consumer group, and kcat.</summary>
public static class TopicReaders
{
    /// <summary>
    /// Consumes as a member of a fresh consumer group until <paramref name="expected"/> records arrived,
    /// then keeps listening briefly so duplicates or strays would show up in the count.
    /// </summary>
    public static List<ConsumedEvent> ConsumeWithGroup(string bootstrap, string topic, int expected, TimeSpan timeout)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "reid-events-test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);

        var consumed = new List<ConsumedEvent>();
        var deadline = Stopwatch.StartNew();
        while (consumed.Count < expected && deadline.Elapsed < timeout)
            Collect(consumer, consumed, TimeSpan.FromMilliseconds(200));
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromMilliseconds(500))
            Collect(consumer, consumed, TimeSpan.FromMilliseconds(100));

        if (consumed.Count > 0)
            consumer.Commit();
        consumer.Close();
        return consumed;
    }

    private static void Collect(IConsumer<string, byte[]> consumer, List<ConsumedEvent> into, TimeSpan wait)
    {
        var result = consumer.Consume(wait);
        if (result is null || result.IsPartitionEOF)
            return;
        string json = System.Text.Encoding.UTF8.GetString(result.Message.Value);
        into.Add(new ConsumedEvent(result.Message.Key, TrackEventJson.Deserialize(json), result.Partition.Value));
    }

    /// <summary>
    /// Reads the whole topic with kcat, an independent client in another process (and another librdkafka
    /// build), so the test does not only check that Confluent.Kafka agrees with itself.
    /// </summary>
    public static List<(string Key, TrackEvent Event)> ReadWithKcat(string bootstrap, string topic)
    {
        string kcat = FindOnPath("kcat")
            ?? throw new InvalidOperationException("kcat is not installed; run scripts/setup.sh (CI installs it)");
        var start = new ProcessStartInfo(kcat)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-b", bootstrap, "-C", "-t", topic, "-e", "-q", "-f", @"%k\t%s\n" })
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kcat did not reach the end of '{topic}' within 30 s: {stderr.Result}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"kcat exited with {process.ExitCode}: {stderr.Result}");

        return stdout.Result
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 2))
            .Select(parts => (parts[0], TrackEventJson.Deserialize(parts[1])))
            .ToList();
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
