using System.Net;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Qdrant.Client.Grpc;

namespace ReId.TestSupport;

/// <summary>
/// An in-process Qdrant that speaks Qdrant's real gRPC protocol (HTTP/2 without TLS on 127.0.0.1),
/// so the real <c>Qdrant.Client.QdrantClient</c>, and everything built on it, runs unchanged against it.
/// </summary>
/// <remarks>
/// <para>What it serves: health check; collections Get, List, Create, Delete, CollectionExists;
/// points Upsert, Delete (by ids or filter), Query (nearest to a dense vector, with filter, score
/// threshold, limit, offset), Scroll (id order, paging), Count, CreateFieldIndex (recorded and reported
/// in the collection's payload schema). Scores are exact: cosine collections store normalised vectors
/// and score by dot product, as Qdrant does; dot-product collections score raw. Filters: must,
/// must_not, should; match keyword, keywords, integer, integers, boolean; range on numbers; has_id;
/// nested filters. Errors use Qdrant's status codes (NotFound for a missing collection,
/// InvalidArgument for a wrong vector dimension or an existing collection).</para>
/// <para>What it does not cover, so a pass here proves nothing about these: HNSW approximation and
/// its recall (every search here is exact), quantisation, persistence to disk (state lives in this
/// object: it survives <see cref="StopAsync"/> and a restart, like a server restart with its storage,
/// but not the process), clustering, sharding, replication and write consistency, API keys and TLS,
/// named, sparse and multi vectors, Euclid and Manhattan distance, the other query kinds (recommend,
/// discover, fusion, prefetch, order-by), text, geo, datetime, is_empty, is_null, values_count,
/// except and nested-key filters, payload index behaviour (indexes are recorded, never used or
/// enforced), and every method not listed above. Anything unsupported answers with gRPC
/// <c>Unimplemented</c> naming the feature rather than a plausible wrong answer.</para>
/// <para>Handlers are public and virtual so a test can subclass the fake to inject faults.</para>
/// </remarks>
public class QdrantFake : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private readonly Dictionary<string, QdrantFakeCollection> _collections = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _server;
    private int _port;
    private ulong _lastOperationId;

    /// <param name="port">0 picks a free port on first start; later starts reuse it.</param>
    public QdrantFake(int port = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        _port = port;
    }

    /// <summary>The gRPC address clients should use; stable across restarts once started.</summary>
    public string Url => _port == 0
        ? throw new InvalidOperationException("QdrantFake has no port until it is started")
        : $"http://127.0.0.1:{_port}";

    public bool IsRunning => _server is not null;

    /// <summary>
    /// Starts serving (again, on the same port after a stop) and returns <see cref="Url"/>. A gRPC
    /// client that saw the server go away reconnects on its own backoff schedule, as it would with a
    /// real Qdrant, so expect its first calls after a restart to fail for up to a few seconds.
    /// </summary>
    public async Task<string> StartAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_server is null)
                _server = await ListenAsync(ct).ConfigureAwait(false);
            return Url;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Makes the server go away as a crashed or stopped Qdrant would: connections drop, the port refuses.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_server is null)
                return;
            using (var timeout = new CancellationTokenSource(StopTimeout))
                await _server.StopAsync(timeout.Token).ConfigureAwait(false);
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    public void Dispose()
    {
        StopAsync().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }

    // ---- qdrant.Qdrant ----

    public virtual Task<HealthCheckReply> HealthCheck(HealthCheckRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthCheckReply { Title = "qdrant - vector search engine (ReId.TestSupport.QdrantFake)", Version = "fake" });

    // ---- qdrant.Collections ----

    public virtual Task<ListCollectionsResponse> CollectionsList(ListCollectionsRequest request, ServerCallContext context) =>
        Serve(() =>
        {
            var response = new ListCollectionsResponse();
            foreach (string name in _collections.Keys.Order(StringComparer.Ordinal))
                response.Collections.Add(new CollectionDescription { Name = name });
            return response;
        });

    public virtual Task<GetCollectionInfoResponse> CollectionsGet(GetCollectionInfoRequest request, ServerCallContext context) =>
        Serve(() => new GetCollectionInfoResponse { Result = Existing(request.CollectionName).Describe() });

    public virtual Task<CollectionExistsResponse> CollectionsExists(CollectionExistsRequest request, ServerCallContext context) =>
        Serve(() => new CollectionExistsResponse
        {
            Result = new CollectionExists { Exists = _collections.ContainsKey(request.CollectionName) },
        });

    public virtual Task<CollectionOperationResponse> CollectionsCreate(CreateCollection request, ServerCallContext context) =>
        Serve(() =>
        {
            if (string.IsNullOrEmpty(request.CollectionName))
                throw InvalidArgument("Wrong input: collection name is empty");
            if (_collections.ContainsKey(request.CollectionName))
                throw InvalidArgument($"Wrong input: Collection `{request.CollectionName}` already exists!");
            if (request.VectorsConfig?.ConfigCase != VectorsConfig.ConfigOneofCase.Params)
                throw Unimplemented("collections without a single unnamed vector");
            VectorParams vectors = request.VectorsConfig.Params;
            if (vectors.Size == 0)
                throw InvalidArgument("Wrong input: vector size must be greater than 0");
            if (vectors.Distance is not (Distance.Cosine or Distance.Dot))
                throw Unimplemented($"{vectors.Distance} distance (only Cosine and Dot)");
            _collections[request.CollectionName] =
                new QdrantFakeCollection(request.CollectionName, vectors.Clone());
            return new CollectionOperationResponse { Result = true };
        });

    public virtual Task<CollectionOperationResponse> CollectionsDelete(DeleteCollection request, ServerCallContext context) =>
        Serve(() => new CollectionOperationResponse { Result = _collections.Remove(request.CollectionName) });

    // ---- qdrant.Points ----

    public virtual Task<PointsOperationResponse> PointsCreateFieldIndex(CreateFieldIndexCollection request, ServerCallContext context) =>
        Serve(() =>
        {
            QdrantFakeCollection collection = Existing(request.CollectionName);
            if (!request.HasFieldType)
                throw InvalidArgument($"Wrong input: field type of index '{request.FieldName}' is missing");
            collection.PayloadIndexes[request.FieldName] = Enum.Parse<PayloadSchemaType>(request.FieldType.ToString());
            return Completed();
        });

    public virtual Task<PointsOperationResponse> PointsUpsert(UpsertPoints request, ServerCallContext context) =>
        Serve(() =>
        {
            if (request.UpdateFilter is not null || request.HasUpdateMode)
                throw Unimplemented("conditional upserts");
            Existing(request.CollectionName).Upsert(request.Points);
            return Completed();
        });

    public virtual Task<PointsOperationResponse> PointsDelete(DeletePoints request, ServerCallContext context) =>
        Serve(() =>
        {
            Existing(request.CollectionName).Delete(request.Points);
            return Completed();
        });

    public virtual Task<QueryResponse> PointsQuery(QueryPoints request, ServerCallContext context) =>
        Serve(() =>
        {
            var response = new QueryResponse();
            response.Result.AddRange(Existing(request.CollectionName).QueryNearest(request));
            return response;
        });

    public virtual Task<ScrollResponse> PointsScroll(ScrollPoints request, ServerCallContext context) =>
        Serve(() => Existing(request.CollectionName).Scroll(request));

    public virtual Task<CountResponse> PointsCount(CountPoints request, ServerCallContext context) =>
        Serve(() => new CountResponse
        {
            Result = new CountResult { Count = Existing(request.CollectionName).CountMatching(request.Filter) },
        });

    internal static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    internal static RpcException Unimplemented(string feature) =>
        new(new Status(StatusCode.Unimplemented, $"QdrantFake does not implement {feature}"));

    /// <summary>Runs one request under the fake's lock: Qdrant applies each request atomically.</summary>
    private Task<T> Serve<T>(Func<T> handle)
    {
        lock (_gate)
            return Task.FromResult(handle());
    }

    private QdrantFakeCollection Existing(string name) =>
        _collections.TryGetValue(name, out QdrantFakeCollection? collection)
            ? collection
            : throw new RpcException(new Status(StatusCode.NotFound, $"Not found: Collection `{name}` doesn't exist!"));

    private PointsOperationResponse Completed() => new()
    {
        Result = new UpdateResult { OperationId = ++_lastOperationId, Status = UpdateStatus.Completed },
    };

    private async Task<WebApplication> ListenAsync(CancellationToken ct)
    {
        // A restart right after a stop can race the kernel releasing the port; Qdrant restarting in
        // a container has the same gap, so retrying briefly is faithful, not a cover-up.
        for (int attempt = 1; ; attempt++)
        {
            WebApplication server = Build();
            try
            {
                await server.StartAsync(ct).ConfigureAwait(false);
                if (_port == 0)
                {
                    string address = server.Services.GetRequiredService<IServer>()
                        .Features.Get<IServerAddressesFeature>()!.Addresses.Single();
                    _port = new Uri(address).Port;
                }
                return server;
            }
            catch (IOException) when (attempt < 20 && _port != 0)
            {
                await server.DisposeAsync().ConfigureAwait(false);
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private WebApplication Build()
    {
        // The empty builder reads no appsettings or ASPNETCORE_* variables, so the test machine's
        // environment cannot move the fake to another address.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, _port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        builder.Services.AddSingleton<IServiceMethodProvider<QdrantFake>, QdrantFakeMethodProvider>();
        WebApplication server = builder.Build();
        server.UseRouting();
        server.MapGrpcService<QdrantFake>();
        return server;
    }
}
