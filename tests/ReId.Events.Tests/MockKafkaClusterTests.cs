using Confluent.Kafka;
using ReId.TestSupport;

namespace ReId.Events.Tests;

/// <summary>The test cluster itself: later fault-injection tests of the live worker rely on these controls.</summary>
public sealed class MockKafkaClusterTests
{
    private static Metadata? TryGetMetadata(string bootstrap, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap })
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();
        try
        {
            return admin.GetMetadata(timeout);
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    [Fact]
    public void Runs_in_the_librdkafka_that_Confluent_Kafka_loaded()
    {
        Assert.Contains("librdkafka", Path.GetFileName(MockKafkaCluster.NativeLibraryPath));
        Assert.Contains(File.ReadLines("/proc/self/maps"), line => line.EndsWith(MockKafkaCluster.NativeLibraryPath));
    }

    [Fact]
    public void Serves_metadata_for_created_topics_on_every_broker()
    {
        using var cluster = new MockKafkaCluster(brokerCount: 3);
        cluster.CreateTopic("reid.cluster-check", partitions: 5, replicationFactor: 3);

        Assert.Equal(3, cluster.BootstrapServers.Split(',').Length);
        var metadata = TryGetMetadata(cluster.BootstrapServers, TimeSpan.FromSeconds(5));
        Assert.NotNull(metadata);
        Assert.Equal([1, 2, 3], metadata.Brokers.Select(b => b.BrokerId).Order());
        var topic = Assert.Single(metadata.Topics, t => t.Topic == "reid.cluster-check");
        Assert.Equal(5, topic.Partitions.Count);
        Assert.All(topic.Partitions, p => Assert.Equal(3, p.Replicas.Length));
    }

    [Fact]
    public void Brokers_set_down_refuse_clients_until_set_up_again()
    {
        using var cluster = new MockKafkaCluster(brokerCount: 1);
        cluster.SetBrokerDown(1);
        Assert.Null(TryGetMetadata(cluster.BootstrapServers, TimeSpan.FromSeconds(1)));
        cluster.SetBrokerUp(1);
        Assert.NotNull(TryGetMetadata(cluster.BootstrapServers, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Refuses_impossible_requests_and_use_after_dispose()
    {
        var cluster = new MockKafkaCluster(brokerCount: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("too-many-replicas", 1, replicationFactor: 3));
        Assert.Throws<InvalidOperationException>(() => cluster.SetBrokerDown(7));

        cluster.Dispose();
        cluster.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerUp());
    }
}
