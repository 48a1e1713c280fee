using System.Text.RegularExpressions;

namespace ReId.Events;

/// <summary>Where and how <see cref="KafkaEventSink"/> publishes track events.</summary>
public sealed partial record KafkaSinkOptions
{
    public const string DefaultTopic = "reid.track-events";

    /// <summary>"host:9092[,host2:9092]".</summary>
    public required string BootstrapServers { get; init; }

    public string Topic { get; init; } = DefaultTopic;

    /// <summary>
    /// How long the client keeps retrying one event (through broker restarts, leader moves) before
    /// reporting it undelivered. It also bounds how long <see cref="KafkaEventSink.FlushAsync"/> can wait.
    /// </summary>
    public TimeSpan MessageTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long past <see cref="MessageTimeout"/> a flush still waits for the client's verdict on an event
    /// before reporting it as unconfirmed. The client checks timeouts between reconnect attempts (back-off
    /// up to 10 s), so its verdict can come that much late; and it must never be waited for forever.
    /// </summary>
    public TimeSpan DeliveryReportGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Batching delay: events arrive in bursts per frame, a few ms gathers a frame's events.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long the start-up check waits for the brokers to answer.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long disposal waits for unconfirmed events before giving up on them (and logging them).</summary>
    public TimeSpan DisposeFlushTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events the client may hold before publishing waits (back-pressure instead of unbounded memory).</summary>
    public int QueueCapacity { get; init; } = 100_000;

    /// <summary>Shows up in broker logs and quotas; defaults to "reid-worker-HOSTNAME".</summary>
    public string? ClientId { get; init; }

    /// <summary>
    /// Extra librdkafka properties, e.g. security.protocol, sasl.mechanism, ssl.ca.location for secured
    /// clusters. Properties that carry the sink's delivery guarantees cannot be overridden here.
    /// </summary>
    public IReadOnlyDictionary<string, string> ClientConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>Set by the sink itself; overriding them would break ordering or the no-loss promise.</summary>
    public static IReadOnlySet<string> ReservedClientConfig { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "bootstrap.servers", "enable.idempotence", "acks", "request.required.acks",
        "max.in.flight", "max.in.flight.requests.per.connection", "message.timeout.ms", "delivery.timeout.ms",
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            throw new ArgumentException("Kafka bootstrap servers are empty; give host:port, e.g. 'localhost:9092'", nameof(BootstrapServers));
        if (string.IsNullOrEmpty(Topic) || Topic.Length > 249 || Topic is "." or ".." || !TopicName().IsMatch(Topic))
            throw new ArgumentException(
                $"Kafka topic '{Topic}' is not a valid topic name (letters, digits, '.', '_', '-', at most 249)", nameof(Topic));
        RequirePositive(MessageTimeout, nameof(MessageTimeout));
        RequirePositive(ReadyTimeout, nameof(ReadyTimeout));
        RequirePositive(DisposeFlushTimeout, nameof(DisposeFlushTimeout));
        if (DeliveryReportGrace < TimeSpan.Zero)
            throw new ArgumentException($"Kafka {nameof(DeliveryReportGrace)} must not be negative (got {DeliveryReportGrace})", nameof(DeliveryReportGrace));
        if (Linger < TimeSpan.Zero)
            throw new ArgumentException($"Kafka {nameof(Linger)} must not be negative (got {Linger})", nameof(Linger));
        if (QueueCapacity < 1)
            throw new ArgumentException($"Kafka {nameof(QueueCapacity)} must be at least 1 (got {QueueCapacity})", nameof(QueueCapacity));
        foreach (string key in ClientConfig.Keys)
            if (ReservedClientConfig.Contains(key))
                throw new ArgumentException(
                    $"Kafka client setting '{key}' is managed by the event sink and cannot be overridden", nameof(ClientConfig));
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
            throw new ArgumentException($"Kafka {name} must be positive (got {value})", name);
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]+$")]
    private static partial Regex TopicName();
}
