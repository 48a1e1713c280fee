using Google.Protobuf.Collections;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using ReId.Core.Gallery;

namespace ReId.Gallery;

/// <summary>
/// The gallery shared by several workers: one Qdrant collection, one point per exemplar.
/// </summary>
/// <remarks>
/// Point layout (downstream tools may read it, so keep it stable): id = exemplar id (UUID), one
/// unnamed dense vector (cosine), payload <c>person_id</c>, <c>camera_id</c>, <c>seen_at</c> (unix
/// ms, integer, indexed for retention), <c>seen_at_iso</c> (for people reading the payload) and
/// <c>model_version</c>. Writes wait for Qdrant to apply them, because the identity resolver searches
/// right after adding and must see a person it has just created.
/// </remarks>
public sealed class QdrantGallery : IGallery
{
    internal const string PersonIdField = "person_id";
    internal const string CameraIdField = "camera_id";
    internal const string SeenAtField = "seen_at";
    internal const string SeenAtIsoField = "seen_at_iso";
    internal const string ModelVersionField = "model_version";

    private const uint ScrollPageSize = 256;

    // Grpc.Net.Client backs off up to two minutes between reconnect attempts and fails calls fast
    // meanwhile; a worker should notice a restarted Qdrant within seconds, not minutes.
    private static readonly TimeSpan MaxReconnectBackoff = TimeSpan.FromSeconds(5);

    private static readonly (string Field, PayloadSchemaType Type)[] Indexes =
    [
        (PersonIdField, PayloadSchemaType.Keyword),
        (ModelVersionField, PayloadSchemaType.Keyword),
        (SeenAtField, PayloadSchemaType.Integer),
    ];

    private readonly QdrantGalleryOptions _options;
    private readonly string _url;
    private readonly string _collection;
    private readonly GrpcChannel _channel;
    private readonly QdrantClient _client;
    private volatile int _dimension;

    public QdrantGallery(QdrantGalleryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out Uri? address) || address.Scheme is not ("http" or "https"))
            throw new GalleryUnavailableException(
                $"Qdrant URL '{options.Url}' is not an http(s) address; pass e.g. --qdrant http://localhost:6334");
        if (string.IsNullOrWhiteSpace(options.Collection))
            throw new GalleryUnavailableException("the Qdrant collection name is empty; pass --qdrant-collection NAME");

        _options = options;
        _url = options.Url.TrimEnd('/');
        _collection = options.Collection;
        // Our own channel rather than QdrantClient's, whose reconnect backoff cannot be configured;
        // the api-key header is what QdrantClient itself would send.
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReconnectBackoff = MaxReconnectBackoff });
        CallInvoker invoker = options.ApiKey is { Length: > 0 } apiKey
            ? _channel.Intercept(metadata =>
            {
                metadata.Add("api-key", apiKey);
                return metadata;
            })
            : _channel.CreateCallInvoker();
        _client = new QdrantClient(new QdrantGrpcClient(invoker), options.RequestTimeout);
    }

    public string Describe => $"qdrant:{_url}/{_collection}";

    public async Task EnsureReadyAsync(int dimension, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        await CheckReachableAsync(ct).ConfigureAwait(false);

        bool exists = await CallAsync("checking the collection",
            c => _client.CollectionExistsAsync(_collection, c), ct).ConfigureAwait(false);
        if (!exists)
            await CreateCollectionAsync(dimension, ct).ConfigureAwait(false);

        CollectionInfo info = await CallAsync("reading the collection",
            c => _client.GetCollectionInfoAsync(_collection, c), ct).ConfigureAwait(false);
        RequireCompatible(info, dimension);

        foreach ((string field, PayloadSchemaType type) in Indexes)
        {
            if (info.PayloadSchema.TryGetValue(field, out PayloadSchemaInfo? existing))
            {
                if (existing.DataType != type)
                    throw new GalleryUnavailableException(
                        $"Qdrant collection '{_collection}' at '{_url}' indexes '{field}' as {existing.DataType} " +
                        $"but the gallery needs {type}; pass another --qdrant-collection or drop that index");
                continue;
            }
            await CallAsync($"indexing '{field}'",
                c => _client.CreatePayloadIndexAsync(_collection, field, type, wait: true, cancellationToken: c), ct)
                .ConfigureAwait(false);
        }
        _dimension = dimension;
    }

    public async Task<IReadOnlyList<GalleryMatch>> SearchAsync(GalleryQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query.Limit));
        ArgumentNullException.ThrowIfNull(query.ModelVersion, nameof(query.ModelVersion));
        EmbeddingCheck.Norm(query.Embedding, _dimension, "query embedding", Describe);

        var filter = new Filter { Must = { Conditions.MatchKeyword(ModelVersionField, query.ModelVersion) } };
        if (query.ExcludePersonIds is { Count: > 0 } excluded)
            filter.MustNot.Add(Conditions.Match(PersonIdField, excluded.Distinct(StringComparer.Ordinal).ToList()));

        IReadOnlyList<ScoredPoint> points = await CallAsync("searching",
            c => _client.QueryAsync(
                _collection,
                query: query.Embedding,
                filter: filter,
                scoreThreshold: query.MinSimilarity,
                limit: (ulong)query.Limit,
                payloadSelector: true,
                vectorsSelector: true,
                cancellationToken: c), ct).ConfigureAwait(false);

        var matches = new GalleryMatch[points.Count];
        for (int i = 0; i < matches.Length; i++)
            matches[i] = new GalleryMatch(ToExemplar(points[i].Id, points[i].Payload, points[i].Vectors), points[i].Score);
        return matches;
    }

    public async Task AddAsync(Exemplar exemplar, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(exemplar);
        EmbeddingCheck.Norm(exemplar.Embedding, _dimension, "exemplar embedding", Describe);

        var point = new PointStruct
        {
            Id = exemplar.Id,
            Vectors = new Vectors { Vector = new Vector { Dense = new DenseVector { Data = { exemplar.Embedding } } } },
            Payload =
            {
                [PersonIdField] = exemplar.PersonId,
                [CameraIdField] = exemplar.CameraId,
                [SeenAtField] = exemplar.SeenAt.ToUnixTimeMilliseconds(),
                [SeenAtIsoField] = exemplar.SeenAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
                [ModelVersionField] = exemplar.ModelVersion,
            },
        };
        await CallAsync("adding an exemplar",
            c => _client.UpsertAsync(_collection, [point], wait: true, cancellationToken: c), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Exemplar>> GetExemplarsAsync(string personId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(personId);
        RequireReady();

        var filter = new Filter { Must = { Conditions.MatchKeyword(PersonIdField, personId) } };
        var found = new List<Exemplar>();
        PointId? offset = null;
        do
        {
            PointId? from = offset;
            ScrollResponse page = await CallAsync("reading a person's exemplars",
                c => _client.ScrollAsync(_collection, filter, ScrollPageSize, from,
                    payloadSelector: true, vectorsSelector: true, cancellationToken: c), ct).ConfigureAwait(false);
            foreach (RetrievedPoint point in page.Result)
                found.Add(ToExemplar(point.Id, point.Payload, point.Vectors));
            offset = page.NextPageOffset;
        } while (offset is not null);

        found.Sort((a, b) => a.SeenAt.CompareTo(b.SeenAt));
        return found;
    }

    public async Task RemoveAsync(IReadOnlyCollection<Guid> exemplarIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(exemplarIds);
        RequireReady();
        if (exemplarIds.Count == 0)
            return;
        List<Guid> ids = exemplarIds.ToList();
        await CallAsync("removing exemplars",
            c => _client.DeleteAsync(_collection, ids, wait: true, cancellationToken: c), ct).ConfigureAwait(false);
    }

    public async Task<int> PurgeSeenBeforeAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        RequireReady();
        var filter = new Filter
        {
            Must = { Conditions.Range(SeenAtField, new Qdrant.Client.Grpc.Range { Lt = cutoff.ToUnixTimeMilliseconds() }) },
        };
        // Qdrant's delete does not say how many points it removed, so count the same filter first.
        // Exemplars are only ever added with recent timestamps, so none can slip in between.
        ulong expired = await CallAsync("counting expired exemplars",
            c => _client.CountAsync(_collection, filter, exact: true, cancellationToken: c), ct).ConfigureAwait(false);
        if (expired == 0)
            return 0;
        await CallAsync("purging expired exemplars",
            c => _client.DeleteAsync(_collection, filter, wait: true, cancellationToken: c), ct).ConfigureAwait(false);
        return checked((int)expired);
    }

    public async Task<long> CountAsync(CancellationToken ct)
    {
        RequireReady();
        ulong count = await CallAsync("counting exemplars",
            c => _client.CountAsync(_collection, exact: true, cancellationToken: c), ct).ConfigureAwait(false);
        return (long)count;
    }

    /// <summary>Qdrant has made every acknowledged write durable in its own write-ahead log.</summary>
    public Task SaveAsync(CancellationToken ct) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    public async Task CheckReachableAsync(CancellationToken ct)
    {
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(ct);
        probe.CancelAfter(_options.ConnectTimeout);
        try
        {
            await _client.HealthAsync(probe.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is RpcException or OperationCanceledException or HttpRequestException)
        {
            if (e is RpcException { StatusCode: StatusCode.Unauthenticated or StatusCode.PermissionDenied } denied)
                throw new GalleryUnavailableException(
                    $"Qdrant at '{_url}' refused the API key ({denied.Status.Detail}); check --qdrant-api-key", e);
            string reason = probe.IsCancellationRequested
                ? $"no answer within {_options.ConnectTimeout.TotalSeconds:0.#} s"
                : Reason(e);
            throw new GalleryUnavailableException(
                $"Qdrant at '{_url}' is unreachable ({reason}); check --qdrant or start Qdrant", e);
        }
    }

    private async Task CreateCollectionAsync(int dimension, CancellationToken ct)
    {
        try
        {
            await _client.CreateCollectionAsync(
                _collection,
                new VectorParams { Size = (ulong)dimension, Distance = Distance.Cosine },
                cancellationToken: ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or QdrantException && !ct.IsCancellationRequested)
        {
            // Another worker may have created it a moment ago; that one is checked like any other.
            bool existsNow = await CallAsync("checking the collection",
                c => _client.CollectionExistsAsync(_collection, c), ct).ConfigureAwait(false);
            if (!existsNow)
                throw Translate(e, "creating the collection");
        }
    }

    private void RequireCompatible(CollectionInfo info, int dimension)
    {
        VectorsConfig? vectors = info.Config?.Params?.VectorsConfig;
        if (vectors?.ConfigCase != VectorsConfig.ConfigOneofCase.Params)
            throw new GalleryUnavailableException(
                $"Qdrant collection '{_collection}' at '{_url}' uses named vectors, not the single vector the gallery " +
                "stores; pass another --qdrant-collection");
        VectorParams held = vectors.Params;
        if (held.Size != (ulong)dimension)
            throw new GalleryUnavailableException(
                $"Qdrant collection '{_collection}' at '{_url}' holds {held.Size}-d vectors but the model makes " +
                $"{dimension}-d; pass another --qdrant-collection or delete the collection");
        if (held.Distance != Distance.Cosine)
            throw new GalleryUnavailableException(
                $"Qdrant collection '{_collection}' at '{_url}' compares vectors by {held.Distance}, the gallery needs " +
                "Cosine; pass another --qdrant-collection");
    }

    private Exemplar ToExemplar(PointId id, MapField<string, Value> payload, VectorsOutput? vectors)
    {
        if (id.PointIdOptionsCase != PointId.PointIdOptionsOneofCase.Uuid || !Guid.TryParse(id.Uuid, out Guid exemplarId))
            throw Foreign(id, "a UUID id");
        return new Exemplar(
            exemplarId,
            Text(payload, PersonIdField, id),
            DenseVectorOf(vectors) ?? throw Foreign(id, "a dense vector"),
            Text(payload, CameraIdField, id),
            DateTimeOffset.FromUnixTimeMilliseconds(Integer(payload, SeenAtField, id)),
            Text(payload, ModelVersionField, id));
    }

    private static float[]? DenseVectorOf(VectorsOutput? vectors)
    {
        VectorOutput? vector = vectors?.Vector;
        if (vector is null)
            return null;
        if (vector.Dense is { } dense)
            return dense.Data.ToArray();
        // Servers from before the 'dense' field answer in the deprecated flat 'data' field.
#pragma warning disable CS0612, CS0618
        return vector.Data.Count > 0 ? vector.Data.ToArray() : null;
#pragma warning restore CS0612, CS0618
    }

    private string Text(MapField<string, Value> payload, string field, PointId id) =>
        payload.TryGetValue(field, out Value? value) && value.KindCase == Value.KindOneofCase.StringValue
            ? value.StringValue
            : throw Foreign(id, $"a '{field}' text payload");

    private long Integer(MapField<string, Value> payload, string field, PointId id) =>
        payload.TryGetValue(field, out Value? value) && value.KindCase == Value.KindOneofCase.IntegerValue
            ? value.IntegerValue
            : throw Foreign(id, $"a '{field}' integer payload");

    private GalleryUnavailableException Foreign(PointId id, string missing) =>
        new($"Qdrant collection '{_collection}' at '{_url}' holds point {id} without {missing}, so something other " +
            "than ReIdWorker writes to it; pass another --qdrant-collection");

    private void RequireReady()
    {
        if (_dimension == 0)
            throw new InvalidOperationException($"{Describe}: call EnsureReadyAsync before using the gallery");
    }

    private async Task<T> CallAsync<T>(string doing, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call(ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{Describe}: {doing} was cancelled", e, ct);
        }
        catch (Exception e) when (e is RpcException or QdrantException)
        {
            throw Translate(e, doing);
        }
    }

    private GalleryUnavailableException Translate(Exception e, string doing)
    {
        if (e is not RpcException rpc)
            return new($"Qdrant at '{_url}' failed {doing} in collection '{_collection}' ({OneLine(e.Message)})", e);
        return rpc.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => new(
                $"Qdrant at '{_url}' is unreachable ({doing}: {Reason(rpc)}); check --qdrant or start Qdrant", e),
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => new(
                $"Qdrant at '{_url}' refused the API key ({doing}: {OneLine(rpc.Status.Detail)}); check --qdrant-api-key", e),
            StatusCode.NotFound => new(
                $"Qdrant collection '{_collection}' at '{_url}' is gone ({doing}: {OneLine(rpc.Status.Detail)}); " +
                "restart the worker to recreate it", e),
            _ => new(
                $"Qdrant at '{_url}' failed {doing} in collection '{_collection}' " +
                $"({rpc.StatusCode}: {OneLine(rpc.Status.Detail)})", e),
        };
    }

    private static string Reason(Exception e)
    {
        if (e is RpcException rpc)
        {
            // The socket error ("Connection refused (127.0.0.1:1)") says more than gRPC's summary.
            Exception? cause = rpc.Status.DebugException;
            while (cause?.InnerException is not null)
                cause = cause.InnerException;
            return OneLine(cause?.Message ?? (rpc.Status.Detail is { Length: > 0 } detail ? detail : rpc.StatusCode.ToString()));
        }
        return OneLine(e.Message);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
