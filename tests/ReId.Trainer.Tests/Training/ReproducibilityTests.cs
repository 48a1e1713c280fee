using Microsoft.Extensions.Logging.Abstractions;
using ReIdTrainer.Training;
using TorchSharp;
using TrainingLoop = ReIdTrainer.Training.Trainer;

namespace ReId.Trainer.Tests.Training;

/// <summary>
/// Weight initialisation draws from torch's process-wide generator, so any test building a model
/// in parallel would perturb it; this collection runs alone.
/// </summary>
[CollectionDefinition(nameof(ReproducibilityTests), DisableParallelization = true)]
public sealed class SerialTorchCollection;

[Collection(nameof(ReproducibilityTests))]
public sealed class ReproducibilityTests : IDisposable
{
    private readonly TinySyntheticSet _set = new();

    public void Dispose() => _set.Dispose();

    [Fact]
    public void TheSameSeedTrainsTheSameModelAndAnotherSeedDoesNot()
    {
        var options = new TrainingOptions { Epochs = 2, Height = TinySyntheticSet.Height, Width = TinySyntheticSet.Width, LearningRate = 3e-3, Seed = 7 };
        var first = TrainingLoop.Run(options, _set.Data, _set.NewFolder("a"), NullLogger.Instance, TextWriter.Null);
        var second = TrainingLoop.Run(options, _set.Data, _set.NewFolder("b"), NullLogger.Instance, TextWriter.Null);
        var other = TrainingLoop.Run(options with { Seed = 8 }, _set.Data, _set.NewFolder("c"), NullLogger.Instance, TextWriter.Null);

        Assert.Equal(first.History.Select(r => r.Loss), second.History.Select(r => r.Loss));
        Assert.Equal(File.ReadAllBytes(first.ModelPath), File.ReadAllBytes(second.ModelPath));
        Assert.NotEqual(first.History[^1].Loss, other.History[^1].Loss);
    }

    [Fact]
    public void TrainingLeaksNoTensorsPerStep()
    {
        var options = new TrainingOptions { Height = TinySyntheticSet.Height, Width = TinySyntheticSet.Width, Seed = 7 };
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        long start = Live();
        // The counter must see tensors made outside any scope, or this test could never fail.
        using (var probe = torch.zeros(1)) Assert.Equal(start + 1, Live());
        TrainingLoop.Run(options with { Epochs = 1 }, _set.Data, _set.NewFolder("one"), NullLogger.Instance, TextWriter.Null);
        long afterOne = Live();
        TrainingLoop.Run(options with { Epochs = 4 }, _set.Data, _set.NewFolder("four"), NullLogger.Instance, TextWriter.Null);
        long afterFour = Live();

        // Anything left alive per run must not grow with the number of steps.
        Assert.Equal(afterOne - start, afterFour - afterOne);
        Assert.True(afterOne - start <= 0, $"{afterOne - start} tensors outlived a training run");
    }
}
