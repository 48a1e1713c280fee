namespace ReIdWorker.Cli;

/// <summary>The embedding model used when --model is not given: the one shipped in models/.</summary>
public static class DefaultModel
{
    public const string FileName = "reid-resnet18-synth.onnx";

    /// <summary>Next to the executable (copied at build), else the repository's models/ folder.</summary>
    public static string Path
    {
        get
        {
            string beside = System.IO.Path.Combine(AppContext.BaseDirectory, "models", FileName);
            if (File.Exists(beside)) return beside;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = System.IO.Path.Combine(dir.FullName, "models", FileName);
                if (File.Exists(candidate)) return candidate;
            }
            return beside; // the loader then reports it missing, naming this path
        }
    }
}
