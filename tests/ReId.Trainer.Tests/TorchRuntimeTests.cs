using static TorchSharp.torch;

namespace ReId.Trainer.Tests;

/// <summary>
/// Proves the native TorchSharp library loads from the test output. On Debian 12 this fails with
/// "libtorch-cpu-linux-x64 package version 2.10.0.0 is not restored" unless the build marked
/// GLIBCXX_3.4.32 weak in the copied libLibTorchSharp.so (build/PatchLibTorchSharp.targets).
/// </summary>
public sealed class TorchRuntimeTests
{
    [Fact]
    public void Torch_computes_on_the_cpu()
    {
        using var ones = TorchSharp.torch.ones(2, 2);
        using var sum = ones.sum();
        Assert.Equal(4f, sum.item<float>());
    }

}
