using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace ReId.TestSupport;

/// <summary>
/// gRPC method descriptors for the part of Qdrant's API that <see cref="QdrantFake"/> serves, built
/// over Qdrant.Client's own message classes. The package ships client stubs only, so the server side
/// has to name each method itself; the names are those of Qdrant's collections_service.proto,
/// points_service.proto and qdrant.proto.
/// </summary>
internal static class QdrantFakeProtocol
{
    private const string QdrantService = "qdrant.Qdrant";
    private const string CollectionsService = "qdrant.Collections";
    private const string PointsService = "qdrant.Points";

    public static readonly Method<HealthCheckRequest, HealthCheckReply> HealthCheck =
        Unary<HealthCheckRequest, HealthCheckReply>(QdrantService, "HealthCheck");

    public static readonly Method<ListCollectionsRequest, ListCollectionsResponse> ListCollections =
        Unary<ListCollectionsRequest, ListCollectionsResponse>(CollectionsService, "List");

    public static readonly Method<GetCollectionInfoRequest, GetCollectionInfoResponse> GetCollection =
        Unary<GetCollectionInfoRequest, GetCollectionInfoResponse>(CollectionsService, "Get");

    public static readonly Method<CollectionExistsRequest, CollectionExistsResponse> CollectionExists =
        Unary<CollectionExistsRequest, CollectionExistsResponse>(CollectionsService, "CollectionExists");

    public static readonly Method<CreateCollection, CollectionOperationResponse> CreateCollection =
        Unary<CreateCollection, CollectionOperationResponse>(CollectionsService, "Create");

    public static readonly Method<DeleteCollection, CollectionOperationResponse> DeleteCollection =
        Unary<DeleteCollection, CollectionOperationResponse>(CollectionsService, "Delete");

    public static readonly Method<CreateFieldIndexCollection, PointsOperationResponse> CreateFieldIndex =
        Unary<CreateFieldIndexCollection, PointsOperationResponse>(PointsService, "CreateFieldIndex");

    public static readonly Method<UpsertPoints, PointsOperationResponse> Upsert =
        Unary<UpsertPoints, PointsOperationResponse>(PointsService, "Upsert");

    public static readonly Method<DeletePoints, PointsOperationResponse> DeletePoints =
        Unary<DeletePoints, PointsOperationResponse>(PointsService, "Delete");

    public static readonly Method<QueryPoints, QueryResponse> Query =
        Unary<QueryPoints, QueryResponse>(PointsService, "Query");

    public static readonly Method<ScrollPoints, ScrollResponse> Scroll =
        Unary<ScrollPoints, ScrollResponse>(PointsService, "Scroll");

    public static readonly Method<CountPoints, CountResponse> Count =
        Unary<CountPoints, CountResponse>(PointsService, "Count");

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, service, name, ProtobufMarshaller<TRequest>(), ProtobufMarshaller<TResponse>());

    private static Marshaller<T> ProtobufMarshaller<T>() where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
    }
}

/// <summary>
/// Tells Grpc.AspNetCore which handler serves each method. The lambdas call the virtual handlers,
/// so a test's subclass of <see cref="QdrantFake"/> can override one to inject a fault.
/// </summary>
internal sealed class QdrantFakeMethodProvider : IServiceMethodProvider<QdrantFake>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<QdrantFake> context)
    {
        context.AddUnaryMethod(QdrantFakeProtocol.HealthCheck, [], (fake, request, call) => fake.HealthCheck(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.ListCollections, [], (fake, request, call) => fake.CollectionsList(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.GetCollection, [], (fake, request, call) => fake.CollectionsGet(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.CollectionExists, [], (fake, request, call) => fake.CollectionsExists(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.CreateCollection, [], (fake, request, call) => fake.CollectionsCreate(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.DeleteCollection, [], (fake, request, call) => fake.CollectionsDelete(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.CreateFieldIndex, [], (fake, request, call) => fake.PointsCreateFieldIndex(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.Upsert, [], (fake, request, call) => fake.PointsUpsert(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.DeletePoints, [], (fake, request, call) => fake.PointsDelete(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.Query, [], (fake, request, call) => fake.PointsQuery(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.Scroll, [], (fake, request, call) => fake.PointsScroll(request, call));
        context.AddUnaryMethod(QdrantFakeProtocol.Count, [], (fake, request, call) => fake.PointsCount(request, call));
    }
}
