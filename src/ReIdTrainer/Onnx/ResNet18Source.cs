using Google.Protobuf;
using Onnx;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Onnx;

/// <summary>
/// Where the two ONNX files of NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 are: the
/// ImageNet ResNet-18 itself and the small graph ML.NET runs in front of it.
/// </summary>
public sealed record ResNet18Source(string NetworkPath, string PreprocessPath)
{
    public const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    public const string PackageVersion = "0.23.1";
    public const string NetworkFile = "ResNet18.onnx";
    public const string PreprocessFile = "ResNetPreprocess.onnx";

    /// <summary>Where the build copies the files (see ReIdTrainer.csproj).</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    /// <summary>
    /// Finds the files in <paramref name="directory"/>, either flat (as the build copies them) or
    /// in the package's own layout (tools/DnnImageModels/ResNet18Onnx, .../ResNetPrepOnnx), so a user
    /// can point at the NuGet cache directly.
    /// </summary>
    public static ResNet18Source Locate(string? directory)
    {
        string dir = directory ?? DefaultDirectory;
        string network = FirstExisting(Path.Combine(dir, NetworkFile), Path.Combine(dir, "ResNet18Onnx", NetworkFile));
        string preprocess = FirstExisting(Path.Combine(dir, PreprocessFile), Path.Combine(dir, "ResNetPrepOnnx", PreprocessFile));
        foreach (var path in new[] { network, preprocess })
        {
            if (File.Exists(path)) continue;
            throw new TrainerException(directory is null
                ? $"source model '{path}' is missing; rebuild reid-train (the build copies it from NuGet package {PackageId} {PackageVersion}) or pass --source-dir with that package's tools/DnnImageModels folder"
                : $"source model '{path}' is missing; pass --source-dir with a folder holding {NetworkFile} and {PreprocessFile} (package {PackageId} {PackageVersion}, tools/DnnImageModels)");
        }
        return new ResNet18Source(network, preprocess);
    }

    public ModelProto LoadNetwork() => Load(NetworkPath);

    public ModelProto LoadPreprocess() => Load(PreprocessPath);

    private static ModelProto Load(string path)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            throw Corrupt(path, ex.Message, ex);
        }
        // Protobuf happily parses many byte strings as an empty or partial message.
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw Corrupt(path, "it holds no ONNX graph", null);
        return model;
    }

    internal static TrainerException Corrupt(string path, string why, Exception? inner) =>
        new($"source model '{path}' is not a usable ONNX file ({why.ReplaceLineEndings(" ")}); restore a clean copy from NuGet package {PackageId} {PackageVersion} (delete it from the NuGet cache and run 'dotnet restore') or pass --source-dir", inner);

    private static string FirstExisting(string preferred, string alternative) =>
        File.Exists(preferred) || !File.Exists(alternative) ? preferred : alternative;
}
