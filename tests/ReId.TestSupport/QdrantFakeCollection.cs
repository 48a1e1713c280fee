using System.Numerics.Tensors;
using Google.Protobuf.Collections;
using Grpc.Core;
using Qdrant.Client.Grpc;
using QdrantRange = Qdrant.Client.Grpc.Range;

namespace ReId.TestSupport;

/// <summary>
/// One collection of <see cref="QdrantFake"/>: points kept in id order (the order Qdrant's scroll
/// pages in), exact scoring and the filter conditions the gallery uses. Not thread-safe: the fake
/// serialises access.
/// </summary>
internal sealed class QdrantFakeCollection
{
    private readonly SortedDictionary<string, StoredPoint> _points = new(StringComparer.Ordinal);

    public QdrantFakeCollection(string name, VectorParams vectors)
    {
        Name = name;
        Vectors = vectors;
    }

    public string Name { get; }
    public VectorParams Vectors { get; }
    public DateTime CreatedAt { get; } = DateTime.UtcNow;
    public Dictionary<string, PayloadSchemaType> PayloadIndexes { get; } = new(StringComparer.Ordinal);
    public int Count => _points.Count;

    public CollectionInfo Describe()
    {
        var info = new CollectionInfo
        {
            Status = CollectionStatus.Green,
            OptimizerStatus = new OptimizerStatus { Ok = true },
            SegmentsCount = 1,
            PointsCount = (ulong)_points.Count,
            IndexedVectorsCount = 0,
            Config = new CollectionConfig
            {
                Params = new CollectionParams
                {
                    ShardNumber = 1,
                    ReplicationFactor = 1,
                    WriteConsistencyFactor = 1,
                    VectorsConfig = new VectorsConfig { Params = Vectors.Clone() },
                },
                HnswConfig = new HnswConfigDiff(),
                OptimizerConfig = new OptimizersConfigDiff(),
                WalConfig = new WalConfigDiff(),
            },
        };
        foreach ((string field, PayloadSchemaType type) in PayloadIndexes)
            info.PayloadSchema[field] = new PayloadSchemaInfo
            {
                DataType = type,
                Points = (ulong)_points.Values.Count(p => p.Payload.ContainsKey(field)),
            };
        return info;
    }

    /// <summary>Checks every point first so a bad one leaves the collection untouched, as Qdrant does.</summary>
    public void Upsert(IEnumerable<PointStruct> points)
    {
        var accepted = new List<StoredPoint>();
        foreach (PointStruct point in points)
        {
            (string key, PointId id) = Canonical(point.Id);
            float[] vector = DenseVectorOf(point.Vectors);
            RequireDimension(vector.Length);
            if (Vectors.Distance == Distance.Cosine)
                NormaliseInPlace(vector);
            var payload = new MapField<string, Value>();
            foreach ((string field, Value value) in point.Payload)
                payload[field] = value.Clone();
            accepted.Add(new StoredPoint(key, id, vector, payload));
        }
        foreach (StoredPoint point in accepted)
            _points[point.Key] = point;
    }

    public int Delete(PointsSelector selector)
    {
        List<string> doomed = selector.PointsSelectorOneOfCase switch
        {
            PointsSelector.PointsSelectorOneOfOneofCase.Points => selector.Points.Ids.Select(id => Canonical(id).Key).ToList(),
            PointsSelector.PointsSelectorOneOfOneofCase.Filter => Matching(selector.Filter).Select(p => p.Key).ToList(),
            _ => throw QdrantFake.InvalidArgument("Wrong input: points selector is empty"),
        };
        return doomed.Count(_points.Remove);
    }

    public List<ScoredPoint> QueryNearest(QueryPoints request)
    {
        if (request.Prefetch.Count > 0)
            throw QdrantFake.Unimplemented("prefetch");
        if (request.HasUsing && request.Using.Length > 0)
            throw QdrantFake.Unimplemented("named vectors ('using')");
        if (request.Query?.VariantCase != Query.VariantOneofCase.Nearest)
            throw QdrantFake.Unimplemented($"query kind '{request.Query?.VariantCase}' (only 'nearest' is served)");
        VectorInput nearest = request.Query.Nearest;
        if (nearest.VariantCase != VectorInput.VariantOneofCase.Dense)
            throw QdrantFake.Unimplemented($"nearest to '{nearest.VariantCase}' (only dense vectors are served)");

        float[] probe = nearest.Dense.Data.ToArray();
        RequireDimension(probe.Length);
        if (Vectors.Distance == Distance.Cosine)
            NormaliseInPlace(probe);

        ulong limit = request.HasLimit ? request.Limit : 10;
        ulong offset = request.HasOffset ? request.Offset : 0;
        return Matching(request.Filter)
            .Select(point => (Point: point, Score: TensorPrimitives.Dot(point.Vector, probe)))
            .Where(hit => !request.HasScoreThreshold || hit.Score >= request.ScoreThreshold)
            .OrderByDescending(hit => hit.Score)
            .ThenBy(hit => hit.Point.Key, StringComparer.Ordinal)
            .Skip((int)Math.Min(offset, int.MaxValue))
            .Take((int)Math.Min(limit, int.MaxValue))
            .Select(hit =>
            {
                var scored = new ScoredPoint { Id = hit.Point.Id.Clone(), Score = hit.Score };
                CopyPayload(hit.Point, request.WithPayload, scored.Payload, byDefault: false);
                scored.Vectors = VectorsFor(hit.Point, request.WithVectors);
                return scored;
            })
            .ToList();
    }

    public ScrollResponse Scroll(ScrollPoints request)
    {
        if (request.OrderBy is not null)
            throw QdrantFake.Unimplemented("scroll with order_by");
        int limit = request.HasLimit ? (int)request.Limit : 10;
        string? from = request.Offset is null ? null : Canonical(request.Offset).Key;

        var response = new ScrollResponse();
        foreach (StoredPoint point in Matching(request.Filter))
        {
            if (from is not null && string.CompareOrdinal(point.Key, from) < 0)
                continue;
            if (response.Result.Count == limit)
            {
                response.NextPageOffset = point.Id.Clone();
                break;
            }
            var retrieved = new RetrievedPoint { Id = point.Id.Clone() };
            CopyPayload(point, request.WithPayload, retrieved.Payload, byDefault: true);
            retrieved.Vectors = VectorsFor(point, request.WithVectors);
            response.Result.Add(retrieved);
        }
        return response;
    }

    public ulong CountMatching(Filter? filter) => (ulong)Matching(filter).Count();

    /// <summary>
    /// Rejects an unsupported filter before looking at any point, so the answer does not depend on
    /// whether the collection happens to be empty.
    /// </summary>
    private IEnumerable<StoredPoint> Matching(Filter? filter)
    {
        RequireSupported(filter);
        return _points.Values.Where(point => Matches(filter, point));
    }

    private static void RequireSupported(Filter? filter)
    {
        if (filter is null)
            return;
        if (filter.MinShould is not null)
            throw QdrantFake.Unimplemented("min_should filters");
        foreach (Condition condition in filter.Must.Concat(filter.MustNot).Concat(filter.Should))
        {
            switch (condition.ConditionOneOfCase)
            {
                case Condition.ConditionOneOfOneofCase.Field:
                    RequireSupported(condition.Field);
                    break;
                case Condition.ConditionOneOfOneofCase.HasId:
                    foreach (PointId id in condition.HasId.HasId)
                        Canonical(id);
                    break;
                case Condition.ConditionOneOfOneofCase.Filter:
                    RequireSupported(condition.Filter);
                    break;
                default:
                    throw QdrantFake.Unimplemented($"'{condition.ConditionOneOfCase}' conditions");
            }
        }
    }

    private static void RequireSupported(FieldCondition condition)
    {
        if (condition.GeoBoundingBox is not null || condition.GeoRadius is not null || condition.GeoPolygon is not null
            || condition.ValuesCount is not null || condition.DatetimeRange is not null
            || condition.HasIsEmpty || condition.HasIsNull)
            throw QdrantFake.Unimplemented($"that kind of condition on field '{condition.Key}'");
        if (condition.Key.Contains('.') || condition.Key.Contains('['))
            throw QdrantFake.Unimplemented($"nested payload keys ('{condition.Key}')");
        if (condition.Match is { } match && match.MatchValueCase is not (Match.MatchValueOneofCase.Keyword
                or Match.MatchValueOneofCase.Keywords or Match.MatchValueOneofCase.Integer
                or Match.MatchValueOneofCase.Integers or Match.MatchValueOneofCase.Boolean))
            throw QdrantFake.Unimplemented($"'{match.MatchValueCase}' matches");
        if (condition.Match is null && condition.Range is null)
            throw QdrantFake.InvalidArgument($"Wrong input: condition on field '{condition.Key}' has nothing to check");
    }

    private static bool Matches(Filter? filter, StoredPoint point) =>
        filter is null
        || (filter.Must.All(c => Holds(c, point))
            && !filter.MustNot.Any(c => Holds(c, point))
            && (filter.Should.Count == 0 || filter.Should.Any(c => Holds(c, point))));

    private static bool Holds(Condition condition, StoredPoint point) => condition.ConditionOneOfCase switch
    {
        Condition.ConditionOneOfOneofCase.Field => Holds(condition.Field, point),
        Condition.ConditionOneOfOneofCase.HasId => condition.HasId.HasId.Any(id => Canonical(id).Key == point.Key),
        Condition.ConditionOneOfOneofCase.Filter => Matches(condition.Filter, point),
        _ => throw new InvalidOperationException("RequireSupported lets no other condition through"),
    };

    private static bool Holds(FieldCondition condition, StoredPoint point)
    {
        // Qdrant matches a payload array when any of its elements matches.
        List<Value> values = !point.Payload.TryGetValue(condition.Key, out Value? value) ? []
            : value.KindCase == Value.KindOneofCase.ListValue ? value.ListValue.Values.ToList()
            : [value];

        bool holds = true;
        if (condition.Match is not null)
            holds &= values.Any(v => MatchHolds(condition.Match, v));
        if (condition.Range is not null)
            holds &= values.Any(v => RangeHolds(condition.Range, v));
        return holds;
    }

    private static bool MatchHolds(Match match, Value value) => match.MatchValueCase switch
    {
        Match.MatchValueOneofCase.Keyword =>
            value.KindCase == Value.KindOneofCase.StringValue && value.StringValue == match.Keyword,
        Match.MatchValueOneofCase.Keywords =>
            value.KindCase == Value.KindOneofCase.StringValue && match.Keywords.Strings.Contains(value.StringValue),
        Match.MatchValueOneofCase.Integer =>
            value.KindCase == Value.KindOneofCase.IntegerValue && value.IntegerValue == match.Integer,
        Match.MatchValueOneofCase.Integers =>
            value.KindCase == Value.KindOneofCase.IntegerValue && match.Integers.Integers.Contains(value.IntegerValue),
        Match.MatchValueOneofCase.Boolean =>
            value.KindCase == Value.KindOneofCase.BoolValue && value.BoolValue == match.Boolean,
        _ => throw new InvalidOperationException("RequireSupported lets no other match through"),
    };

    private static bool RangeHolds(QdrantRange range, Value value)
    {
        double number;
        if (value.KindCase == Value.KindOneofCase.IntegerValue)
            number = value.IntegerValue;
        else if (value.KindCase == Value.KindOneofCase.DoubleValue)
            number = value.DoubleValue;
        else
            return false;
        return (!range.HasLt || number < range.Lt)
            && (!range.HasLte || number <= range.Lte)
            && (!range.HasGt || number > range.Gt)
            && (!range.HasGte || number >= range.Gte);
    }

    private static void CopyPayload(StoredPoint point, WithPayloadSelector? selector, MapField<string, Value> into, bool byDefault)
    {
        Func<string, bool> wanted = selector?.SelectorOptionsCase switch
        {
            WithPayloadSelector.SelectorOptionsOneofCase.Enable => _ => selector.Enable,
            WithPayloadSelector.SelectorOptionsOneofCase.Include => field => selector.Include.Fields.Contains(field),
            WithPayloadSelector.SelectorOptionsOneofCase.Exclude => field => !selector.Exclude.Fields.Contains(field),
            _ => _ => byDefault,
        };
        foreach ((string field, Value value) in point.Payload)
            if (wanted(field))
                into[field] = value.Clone();
    }

    private static VectorsOutput? VectorsFor(StoredPoint point, WithVectorsSelector? selector)
    {
        switch (selector?.SelectorOptionsCase)
        {
            case WithVectorsSelector.SelectorOptionsOneofCase.Enable when selector.Enable:
                return new VectorsOutput
                {
                    Vector = new VectorOutput { Dense = new DenseVector { Data = { point.Vector } } },
                };
            case WithVectorsSelector.SelectorOptionsOneofCase.Include:
                throw QdrantFake.Unimplemented("selecting named vectors");
            default:
                return null;
        }
    }

    private float[] DenseVectorOf(Vectors? vectors)
    {
        if (vectors?.VectorsOptionsCase != Qdrant.Client.Grpc.Vectors.VectorsOptionsOneofCase.Vector)
            throw QdrantFake.Unimplemented("points without a single unnamed vector");
        Vector vector = vectors.Vector;
        if (vector.VectorCase == Vector.VectorOneofCase.Dense)
            return vector.Dense.Data.ToArray();
        // Older clients send a dense vector in the deprecated flat field; Qdrant still accepts it.
#pragma warning disable CS0612, CS0618
        if (vector.VectorCase == Vector.VectorOneofCase.None && vector.Indices is null && vector.Data.Count > 0)
            return vector.Data.ToArray();
#pragma warning restore CS0612, CS0618
        throw QdrantFake.Unimplemented($"'{vector.VectorCase}' vectors (only dense vectors are stored)");
    }

    private void RequireDimension(int length)
    {
        if ((ulong)length != Vectors.Size)
            throw QdrantFake.InvalidArgument(
                $"Wrong input: Vector dimension error: expected dim: {Vectors.Size}, got {length}");
    }

    private static void NormaliseInPlace(float[] vector)
    {
        // Qdrant leaves a zero vector as it is rather than dividing by zero.
        float norm = TensorPrimitives.Norm(vector);
        if (norm > float.Epsilon)
            TensorPrimitives.Divide(vector, norm, vector);
    }

    /// <summary>
    /// Qdrant's id order: numeric ids first, ascending, then UUIDs by value; the key string sorts
    /// the same way ordinally. UUIDs come back in canonical lowercase form whatever form was sent.
    /// </summary>
    private static (string Key, PointId Id) Canonical(PointId id) => id.PointIdOptionsCase switch
    {
        PointId.PointIdOptionsOneofCase.Num => ($"0:{id.Num:D20}", new PointId { Num = id.Num }),
        PointId.PointIdOptionsOneofCase.Uuid when Guid.TryParse(id.Uuid, out Guid uuid) =>
            ($"1:{uuid:D}", new PointId { Uuid = uuid.ToString("D") }),
        PointId.PointIdOptionsOneofCase.Uuid => throw QdrantFake.InvalidArgument($"Unable to parse UUID: {id.Uuid}"),
        _ => throw QdrantFake.InvalidArgument("Wrong input: point id is empty"),
    };

    private sealed record StoredPoint(string Key, PointId Id, float[] Vector, MapField<string, Value> Payload);
}
