namespace ReId.Gallery;

/// <summary>Where the shared Qdrant gallery lives and how long to wait for it.</summary>
public sealed record QdrantGalleryOptions
{
    /// <summary>gRPC endpoint (port 6334 by default; the REST port 6333 does not speak gRPC).</summary>
    public string Url { get; init; } = "http://localhost:6334";

    public string Collection { get; init; } = "reid-persons";

    public string? ApiKey { get; init; }

    /// <summary>How long <c>EnsureReadyAsync</c> waits for Qdrant to answer before calling it unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Deadline of every other call, so a hung server stalls a camera for bounded time.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
