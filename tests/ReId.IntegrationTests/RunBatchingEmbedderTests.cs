using Microsoft.Extensions.Logging.Abstractions;
using ReId.Core.Geometry;
using ReId.Inference;
using ReId.TestSupport;
using ReId.Vision;
using ReId.Vision.Sources;
using ReIdWorker.Cli;

namespace ReId.IntegrationTests;

/// <summary>
/// The embedder `reid run` shares between cameras: requests of several cameras go through the model
/// together, up to the batch size, and each caller gets exactly the embeddings of its own crops.
/// </summary>
public class RunBatchingEmbedderTests
{
    private static readonly Box[] People =
    [
        new(100, 100, 60, 150), new(300, 200, 70, 170), new(500, 150, 55, 140),
        new(200, 300, 65, 160), new(600, 250, 60, 150), new(50, 350, 70, 180),
    ];

    [Fact]
    public async Task Requests_of_several_cameras_share_model_runs_and_get_their_own_embeddings()
    {
        using var embedder = Embedder.Open(DefaultModel.Path, DevicePreference.Cpu, NullLogger.Instance);
        using var source = new VideoFileSource(SampleFootage.VtestAvi, "vtest");
        using Frame a = source.Read()!, b = source.Read()!, c = source.Read()!, d = source.Read()!;
        // Four cameras, three crops each, from different frames and boxes.
        var requests = new[] { (a, 0), (b, 1), (c, 2), (d, 3) }
            .Select(r => (IReadOnlyList<Crop>)Enumerable.Range(0, 3).Select(k => new Crop(r.Item1.Image, People[(r.Item2 + k) % People.Length])).ToList())
            .ToList();
        var expected = requests.Select(r => embedder.Embed(r)).ToList();

        var batches = new List<EmbeddingBatch>();
        await using (var batching = new BatchingEmbedder(embedder, new BatchingOptions(MaxBatch: 8, MaxWait: TimeSpan.FromMilliseconds(500)), NullLogger.Instance)
        {
            BatchCompleted = batch => { lock (batches) batches.Add(batch); },
        })
        {
            var results = await Task.WhenAll(requests.Select(r => batching.EmbedAsync(r, CancellationToken.None)));
            for (int i = 0; i < requests.Count; i++)
            {
                Assert.Equal(3, results[i].Length);
                for (int k = 0; k < 3; k++)
                    Assert.Equal(expected[i][k], results[i][k], (x, y) => Math.Abs(x - y) < 1e-4f);
            }
            Assert.Equal(12, batching.Crops);
        }

        // 12 crops at most 8 per run: two runs of two requests each (a request is never split).
        Assert.Equal([6, 6], batches.Select(x => x.Crops));
        Assert.All(batches, x => Assert.Equal(2, x.Requests));
        Assert.DoesNotContain(batches, x => x.Failed);
    }

    [Fact]
    public async Task A_lone_request_runs_after_the_wait_and_a_stopped_embedder_refuses_new_work()
    {
        using var embedder = Embedder.Open(DefaultModel.Path, DevicePreference.Cpu, NullLogger.Instance);
        using var source = new VideoFileSource(SampleFootage.VtestAvi, "vtest");
        using Frame frame = source.Read()!;
        var batching = new BatchingEmbedder(embedder, new BatchingOptions(MaxBatch: 32, MaxWait: TimeSpan.FromMilliseconds(20)), NullLogger.Instance);
        var one = await batching.EmbedAsync([new Crop(frame.Image, People[0])], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(one);
        Assert.Equal(1f, MathF.Sqrt(one[0].Sum(v => v * v)), 3);
        await batching.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batching.EmbedAsync([new Crop(frame.Image, People[0])], CancellationToken.None));
    }
}
