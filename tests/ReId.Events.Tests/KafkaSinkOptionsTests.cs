namespace ReId.Events.Tests;

public sealed class KafkaSinkOptionsTests
{
    private static readonly KafkaSinkOptions Valid = new() { BootstrapServers = "kafka-1:9092,kafka-2:9092" };

    [Fact]
    public void Defaults_are_valid_and_publish_to_the_documented_topic()
    {
        Valid.Validate();
        Assert.Equal("reid.track-events", Valid.Topic);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_bootstrap_servers_are_refused(string bootstrap)
    {
        var ex = Assert.Throws<ArgumentException>(() => (Valid with { BootstrapServers = bootstrap }).Validate());
        Assert.Equal(nameof(KafkaSinkOptions.BootstrapServers), ex.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("track events")]
    [InlineData("reid/track-events")]
    public void Invalid_topic_names_are_refused(string topic)
    {
        var ex = Assert.Throws<ArgumentException>(() => (Valid with { Topic = topic }).Validate());
        Assert.Contains($"'{topic}'", ex.Message);
    }

    [Theory]
    [InlineData("enable.idempotence", "false")]
    [InlineData("acks", "1")]
    [InlineData("message.timeout.ms", "0")]
    public void Settings_that_carry_the_delivery_guarantees_cannot_be_overridden(string key, string value)
    {
        var options = Valid with { ClientConfig = new Dictionary<string, string> { [key] = value } };
        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains($"'{key}'", ex.Message);
    }

    [Fact]
    public async Task Extra_client_settings_reach_librdkafka()
    {
        // An invalid value is the observable proof that the setting was handed to the client.
        var options = Valid with { ClientConfig = new Dictionary<string, string> { ["security.protocol"] = "carrier-pigeon" } };
        var ex = Assert.Throws<ArgumentException>(() => new KafkaEventSink(options));
        Assert.StartsWith("Kafka client settings for kafka://kafka-1:9092,kafka-2:9092/reid.track-events are invalid: ", ex.Message);
        Assert.Contains("security.protocol", ex.Message);

        var incomplete = Valid with
        {
            ClientConfig = new Dictionary<string, string> { ["security.protocol"] = "SASL_PLAINTEXT", ["sasl.mechanism"] = "PLAIN" },
        };
        Assert.Contains("sasl.username", Assert.Throws<ArgumentException>(() => new KafkaEventSink(incomplete)).Message);

        await using var sink = new KafkaEventSink(incomplete with
        {
            ClientConfig = new Dictionary<string, string>(incomplete.ClientConfig) { ["sasl.username"] = "reid", ["sasl.password"] = "secret" },
        });
    }

    [Fact]
    public void Non_positive_timeouts_and_capacity_are_refused()
    {
        Assert.Throws<ArgumentException>(() => (Valid with { MessageTimeout = TimeSpan.Zero }).Validate());
        Assert.Throws<ArgumentException>(() => (Valid with { ReadyTimeout = TimeSpan.FromSeconds(-1) }).Validate());
        Assert.Throws<ArgumentException>(() => (Valid with { QueueCapacity = 0 }).Validate());
    }
}
