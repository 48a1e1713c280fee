using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace ReId.TestSupport;

/// <summary>
/// An in-process Kafka cluster for tests: librdkafka's mock cluster, a real Kafka-protocol broker on
/// localhost ports that librdkafka's own test-suite uses. Any client (Confluent.Kafka, kcat in another
/// process) connects to <see cref="BootstrapServers"/> like to a real cluster. Fault injection
/// (<see cref="SetBrokerDown"/>) makes outage tests deterministic without a Docker broker.
/// </summary>
/// <remarks>
/// What works on it (checked): idempotent producer, acks=all, lz4, consumer groups with commits,
/// metadata, topic auto-creation. What does not: AdminClient CreateTopics (use <see cref="CreateTopic"/>),
/// ListConsumerGroups (crashes the process), read_committed isolation of aborted transactions.
/// The mock API is marked experimental by librdkafka, so it is bound by symbol at run time and any
/// missing symbol fails with a clear message instead of an EntryPointNotFoundException later.
/// </remarks>
public sealed class MockKafkaCluster : IDisposable
{
    private const int RdKafkaProducer = 0; // rd_kafka_type_t.RD_KAFKA_PRODUCER
    private const int AllBrokers = -1;

    private readonly object _gate = new();
    private IntPtr _client;  // rd_kafka_t* the cluster is attached to (librdkafka requires one for book keeping)
    private IntPtr _cluster; // rd_kafka_mock_cluster_t*

    /// <param name="brokerCount">Brokers get ids 1..brokerCount; three mirrors a small production cluster,
    /// so acks=all and leader placement behave as they would there.</param>
    public MockKafkaCluster(int brokerCount = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        var api = MockApi.Instance;
        BrokerCount = brokerCount;

        IntPtr conf = api.ConfNew();
        // The host client never connects anywhere; keep its "no bootstrap.servers configured" warning out of
        // test output. Errors (level 3) still reach stderr.
        api.SetConf(conf, "log_level", "3");
        api.SetConf(conf, "client.id", "reid-mock-cluster");

        _client = api.NewProducer(conf); // takes ownership of conf on success, destroys it on failure
        _cluster = api.ClusterNew(_client, brokerCount);
        if (_cluster == IntPtr.Zero)
        {
            api.Destroy(_client);
            _client = IntPtr.Zero;
            throw new InvalidOperationException(
                $"librdkafka could not start a mock cluster of {brokerCount} brokers (no free localhost ports?)");
        }

        BootstrapServers = api.Bootstraps(_cluster);
    }

    /// <summary>"127.0.0.1:port,..." of every broker, for bootstrap.servers or kcat -b.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    /// <summary>The librdkafka file the cluster runs in (the one Confluent.Kafka loaded), for diagnostics.</summary>
    public static string NativeLibraryPath => MockApi.Instance.LibraryPath;

    /// <summary>
    /// Creates a topic up front. Needed because the mock broker does not implement the CreateTopics admin
    /// request, and auto-creation would pick its own partition count.
    /// </summary>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        lock (_gate)
        {
            var api = MockApi.Instance;
            int err = api.TopicCreate(Live(), name, partitions, replicationFactor);
            if (err != 0)
                throw new InvalidOperationException(
                    $"mock cluster could not create topic '{name}' ({partitions} partitions, replication {replicationFactor}): {api.ErrorText(err)}");
        }
    }

    /// <summary>
    /// Disconnects the broker and refuses new connections, like a crashed broker or a cut network.
    /// Leadership does not move, so with all brokers down clients see a full outage.
    /// </summary>
    /// <param name="brokerId">1..<see cref="BrokerCount"/>, or -1 for every broker.</param>
    public void SetBrokerDown(int brokerId = AllBrokers) => BrokerControl(brokerId, down: true);

    /// <summary>Lets the broker accept connections again; clients reconnect on their own back-off.</summary>
    public void SetBrokerUp(int brokerId = AllBrokers) => BrokerControl(brokerId, down: false);

    private void BrokerControl(int brokerId, bool down)
    {
        if (brokerId != AllBrokers)
            ArgumentOutOfRangeException.ThrowIfLessThan(brokerId, 1);
        lock (_gate)
        {
            var api = MockApi.Instance;
            int err = down ? api.BrokerSetDown(Live(), brokerId) : api.BrokerSetUp(Live(), brokerId);
            if (err != 0)
                throw new InvalidOperationException(
                    $"mock cluster could not set broker {brokerId} {(down ? "down" : "up")}: {api.ErrorText(err)}");
        }
    }

    private IntPtr Live()
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        return _cluster;
    }

    /// <summary>
    /// Stops the brokers. Clients still connected see their connections drop, as with a real broker
    /// going away, so dispose clients first when a test wants a clean shutdown.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            var api = MockApi.Instance;
            // The cluster lives on its host client's internals: destroy it first, then the client.
            if (_cluster != IntPtr.Zero)
            {
                api.ClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }
            if (_client != IntPtr.Zero)
            {
                api.Destroy(_client);
                _client = IntPtr.Zero;
            }
        }
    }

    /// <summary>
    /// The mock cluster functions, bound by address from the very librdkafka file Confluent.Kafka loaded.
    /// Binding by name ("librdkafka") could pick another copy: on Debian 12 the plain redist
    /// librdkafka.so fails to load (needs libsasl2.so.3) and Confluent.Kafka falls back to
    /// centos8-librdkafka.so, while a system librdkafka.so (librdkafka-dev, version 2.0.2) would be a
    /// different version with its own globals. One file means one version and one set of globals.
    /// </summary>
    private sealed unsafe class MockApi
    {
        private static readonly Lazy<MockApi> Lazy = new(() => new MockApi());
        public static MockApi Instance => Lazy.Value;

        public string LibraryPath { get; }

        private readonly delegate* unmanaged<IntPtr> _confNew;
        private readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int> _confSet;
        private readonly delegate* unmanaged<IntPtr, void> _confDestroy;
        private readonly delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr> _new;
        private readonly delegate* unmanaged<IntPtr, void> _destroy;
        private readonly delegate* unmanaged<int, IntPtr> _err2str;
        private readonly delegate* unmanaged<IntPtr, int, IntPtr> _clusterNew;
        private readonly delegate* unmanaged<IntPtr, void> _clusterDestroy;
        private readonly delegate* unmanaged<IntPtr, IntPtr> _bootstraps;
        private readonly delegate* unmanaged<IntPtr, byte*, int, int, int> _topicCreate;
        private readonly delegate* unmanaged<IntPtr, int, int> _brokerSetDown;
        private readonly delegate* unmanaged<IntPtr, int, int> _brokerSetUp;

        private MockApi()
        {
            // Make Confluent.Kafka pick and load its librdkafka now, with its own search and fallbacks,
            // so that the file we look for below is the one every producer and consumer will use.
            Library.Load();
            int expectedVersion = Library.Version;

            LibraryPath = FindLoadedLibrdkafka(expectedVersion);
            // dlopen of an already-loaded path returns that same instance (reference counted).
            IntPtr lib = NativeLibrary.Load(LibraryPath);

            _confNew = (delegate* unmanaged<IntPtr>)Export(lib, "rd_kafka_conf_new");
            _confSet = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, nuint, int>)Export(lib, "rd_kafka_conf_set");
            _confDestroy = (delegate* unmanaged<IntPtr, void>)Export(lib, "rd_kafka_conf_destroy");
            _new = (delegate* unmanaged<int, IntPtr, byte*, nuint, IntPtr>)Export(lib, "rd_kafka_new");
            _destroy = (delegate* unmanaged<IntPtr, void>)Export(lib, "rd_kafka_destroy");
            _err2str = (delegate* unmanaged<int, IntPtr>)Export(lib, "rd_kafka_err2str");
            _clusterNew = (delegate* unmanaged<IntPtr, int, IntPtr>)Export(lib, "rd_kafka_mock_cluster_new");
            _clusterDestroy = (delegate* unmanaged<IntPtr, void>)Export(lib, "rd_kafka_mock_cluster_destroy");
            _bootstraps = (delegate* unmanaged<IntPtr, IntPtr>)Export(lib, "rd_kafka_mock_cluster_bootstraps");
            _topicCreate = (delegate* unmanaged<IntPtr, byte*, int, int, int>)Export(lib, "rd_kafka_mock_topic_create");
            _brokerSetDown = (delegate* unmanaged<IntPtr, int, int>)Export(lib, "rd_kafka_mock_broker_set_down");
            _brokerSetUp = (delegate* unmanaged<IntPtr, int, int>)Export(lib, "rd_kafka_mock_broker_set_up");
        }

        private IntPtr Export(IntPtr lib, string symbol) =>
            NativeLibrary.TryGetExport(lib, symbol, out IntPtr address)
                ? address
                : throw new EntryPointNotFoundException(
                    $"'{LibraryPath}' does not export {symbol}; the mock cluster needs librdkafka built with its mock API (the librdkafka.redist package is)");

        /// <summary>
        /// Confluent.Kafka does not say which file it loaded, so read the process's memory map. Several
        /// librdkafka files may be mapped (kcat's is not, it runs in its own process, but a plugin could be);
        /// the right one reports the same rd_kafka_version() as Confluent.Kafka.
        /// </summary>
        private static string FindLoadedLibrdkafka(int expectedVersion)
        {
            if (!OperatingSystem.IsLinux())
                throw new PlatformNotSupportedException("MockKafkaCluster finds librdkafka through /proc/self/maps (Linux only)");

            var candidates = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..].Trim() : null)
                .Where(path => path is not null && Path.GetFileName(path).Contains("librdkafka", StringComparison.Ordinal))
                .Select(path => path!)
                .Distinct()
                .ToList();

            var seen = new List<string>();
            foreach (string path in candidates)
            {
                if (!NativeLibrary.TryLoad(path, out IntPtr lib))
                    continue;
                try
                {
                    if (!NativeLibrary.TryGetExport(lib, "rd_kafka_version", out IntPtr versionFn))
                        continue;
                    int version = ((delegate* unmanaged<int>)versionFn)();
                    if (version == expectedVersion)
                        return path;
                    seen.Add($"{path} (0x{version:x8})");
                }
                finally
                {
                    NativeLibrary.Free(lib); // only drops our extra reference; the file stays mapped
                }
            }
            throw new DllNotFoundException(
                $"cannot find the librdkafka file Confluent.Kafka loaded (version 0x{expectedVersion:x8}) in /proc/self/maps; " +
                $"mapped candidates: {(seen.Count > 0 ? string.Join(", ", seen) : "none")}");
        }

        public IntPtr ConfNew() => _confNew();

        public void SetConf(IntPtr conf, string name, string value)
        {
            byte* errstr = stackalloc byte[512];
            int result;
            fixed (byte* n = Utf8Z(name), v = Utf8Z(value))
                result = _confSet(conf, n, v, errstr, 512);
            if (result != 0) // RD_KAFKA_CONF_OK
            {
                _confDestroy(conf);
                throw new InvalidOperationException($"librdkafka rejected {name}={value}: {Marshal.PtrToStringUTF8((IntPtr)errstr)}");
            }
        }

        public IntPtr NewProducer(IntPtr conf)
        {
            byte* errstr = stackalloc byte[512];
            IntPtr rk = _new(RdKafkaProducer, conf, errstr, 512);
            if (rk != IntPtr.Zero)
                return rk;
            _confDestroy(conf); // rd_kafka_new only takes ownership of conf when it succeeds
            throw new InvalidOperationException($"rd_kafka_new failed: {Marshal.PtrToStringUTF8((IntPtr)errstr)}");
        }

        public void Destroy(IntPtr rk) => _destroy(rk);
        public IntPtr ClusterNew(IntPtr rk, int brokers) => _clusterNew(rk, brokers);
        public void ClusterDestroy(IntPtr cluster) => _clusterDestroy(cluster);

        public string Bootstraps(IntPtr cluster) =>
            Marshal.PtrToStringUTF8(_bootstraps(cluster)) ?? throw new InvalidOperationException("mock cluster has no bootstrap servers");

        public int TopicCreate(IntPtr cluster, string topic, int partitions, int replication)
        {
            fixed (byte* t = Utf8Z(topic))
                return _topicCreate(cluster, t, partitions, replication);
        }

        public int BrokerSetDown(IntPtr cluster, int brokerId) => _brokerSetDown(cluster, brokerId);
        public int BrokerSetUp(IntPtr cluster, int brokerId) => _brokerSetUp(cluster, brokerId);

        public string ErrorText(int err) => Marshal.PtrToStringUTF8(_err2str(err)) ?? $"error {err}";

        private static byte[] Utf8Z(string s) => Encoding.UTF8.GetBytes(s + '\0');
    }
}
