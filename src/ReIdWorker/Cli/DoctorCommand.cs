using System.CommandLine;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using ReId.Events;
using ReId.Gallery;
using ReId.Inference;

namespace ReIdWorker.Cli;

/// <summary>
/// <c>reid doctor</c>: checks the environment a user is about to run in and says how to fix each
/// problem, so a missing native library is found in seconds, not in a stack trace an hour in.
/// </summary>
public static partial class DoctorCommand
{
    private enum Status { Ok, Warn, Fail }

    private sealed record Check(string Name, Status Status, string Detail, string? Fix = null);

    public static Command Create(Option<bool> verbose)
    {
        var model = new Option<string?>("--model") { Description = $"Model to inspect (default: models/{DefaultModel.FileName})" };
        var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers to check" };
        var qdrant = new Option<string?>("--qdrant") { Description = "Qdrant gRPC URL to check" };
        var command = new Command("doctor", "Check OpenCV, ffmpeg, ONNX Runtime (CUDA), the model, and Kafka/Qdrant when given") { model, kafka, qdrant };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(verbose), async (loggers, token) =>
        {
            var checks = new List<Check>();
            checks.Add(CheckOpenCv());
            checks.Add(await CheckFfmpegAsync(token));
            checks.Add(CheckOrt());
            checks.Add(CheckCuda());
            checks.Add(CheckModel(parse.GetValue(model) ?? DefaultModel.Path));
            if (parse.GetValue(kafka) is { } k) checks.Add(await CheckKafkaAsync(k, token));
            if (parse.GetValue(qdrant) is { } q) checks.Add(await CheckQdrantAsync(q, token));
            foreach (var c in checks)
            {
                string tag = c.Status switch { Status.Ok => " ok ", Status.Warn => "warn", _ => "FAIL" };
                Console.WriteLine($"[{tag}] {c.Name}: {c.Detail}");
                if (c.Fix is not null) Console.WriteLine($"       fix: {c.Fix}");
            }
            int failed = checks.Count(c => c.Status == Status.Fail);
            Console.WriteLine(failed == 0 ? "doctor: ready" : $"doctor: {failed} check(s) failed");
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }, ct));
        return command;
    }

    private static Check CheckOpenCv()
    {
        try
        {
            string version = OpenCvSharp.Cv2.GetVersionString() ?? "unknown";
            string info = OpenCvSharp.Cv2.GetBuildInformation();
            var backends = VideoBackends(info);
            bool ffmpeg = backends.Any(b => b.StartsWith("FFMPEG", StringComparison.OrdinalIgnoreCase));
            return new Check("OpenCV", ffmpeg ? Status.Ok : Status.Warn,
                $"{version}, video I/O: {string.Join(", ", backends)}",
                ffmpeg ? null : "this OpenCV build has no FFmpeg backend: video files will not open; use the OpenCvSharp4.official.runtime.linux-x64 package");
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException)
        {
            string missing = MissingLibrary().Match(ex.ToString()) is { Success: true } m ? m.Value : "a native library";
            return new Check("OpenCV", Status.Fail, $"native library failed to load ({missing})",
                missing.Contains("gtk") ? "apt-get install libgtk-3-0" : "run scripts/setup.sh (installs libgtk-3-0)");
        }
    }

    /// <summary>The "Video I/O:" section of OpenCV's build information, one backend per line.</summary>
    private static List<string> VideoBackends(string buildInfo)
    {
        var result = new List<string>();
        bool inSection = false;
        foreach (string raw in buildInfo.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.TrimStart().StartsWith("Video I/O:", StringComparison.Ordinal)) { inSection = true; continue; }
            if (!inSection) continue;
            if (line.Length == 0 || !line.StartsWith("    ", StringComparison.Ordinal)) break;
            if (line.StartsWith("     ", StringComparison.Ordinal)) continue; // a backend's sub-entries (library versions)
            var parts = line.Trim().Split(':', 2);
            if (parts.Length == 2 && !parts[1].Trim().StartsWith("NO", StringComparison.OrdinalIgnoreCase))
                result.Add(parts[0].Trim());
        }
        return result;
    }

    private static async Task<Check> CheckFfmpegAsync(CancellationToken ct)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("ffmpeg", "-hide_banner -version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string first = (await p.StandardOutput.ReadLineAsync(ct)) ?? "";
            await p.WaitForExitAsync(ct);
            return new Check("ffmpeg", Status.Ok, first.Trim());
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new Check("ffmpeg", Status.Warn, "not found on PATH (needed only for network cameras in `reid run`)", "apt-get install ffmpeg");
        }
    }

    private static Check CheckOrt()
    {
        try
        {
            var providers = OrtEnv.Instance().GetAvailableProviders();
            return new Check("ONNX Runtime", Status.Ok, $"{OrtSessionFactory.RuntimeVersion}, built with providers: {string.Join(", ", providers)}");
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException)
        {
            return new Check("ONNX Runtime", Status.Fail, $"native library failed to load: {ex.Message}", "reinstall the application (libonnxruntime.so ships with it)");
        }
    }

    /// <summary>
    /// Tries to append the CUDA provider, which is where a missing CUDA/cuDNN library surfaces;
    /// the provider list alone always names CUDA in this build, so it proves nothing.
    /// </summary>
    private static Check CheckCuda()
    {
        using var options = new SessionOptions();
        try
        {
            options.AppendExecutionProvider_CUDA(0);
            return new Check("CUDA provider", Status.Ok, "loads: models run on the GPU");
        }
        catch (Exception ex)
        {
            return new Check("CUDA provider", Status.Warn, $"does not load ({OrtSessionFactory.CudaDiagnosis(ex)}): models run on the CPU",
                "for GPU inference install the NVIDIA driver, CUDA 13 runtime (libcudart.so.13, libcublas*.so.13) and cuDNN 9 (libcudnn.so.9), or use the CUDA runtime image");
        }
    }

    private static Check CheckModel(string path)
    {
        try
        {
            using var embedder = Embedder.Open(path, DevicePreference.Cpu, NullLogger.Instance);
            var m = embedder.Metadata;
            return new Check("model", Status.Ok,
                $"{Path.GetFileName(path)}: {m.Id}, input '{m.InputName}' {m.InputHeight}x{m.InputWidth} {m.ChannelOrder}, " +
                $"{m.EmbeddingDim}-d {(m.OutputNormalized ? "normalised" : "raw")} output, {m.Distance}" +
                (m.MatchThreshold is { } t ? $", match threshold {t}" : ""));
        }
        catch (ModelLoadException ex)
        {
            return new Check("model", Status.Fail, ex.Message, "pass --model with a valid re-ID .onnx file");
        }
    }

    private static async Task<Check> CheckKafkaAsync(string bootstrap, CancellationToken ct)
    {
        await using var sink = new KafkaEventSink(new KafkaSinkOptions { BootstrapServers = bootstrap });
        try
        {
            await sink.CheckReadyAsync(ct);
            return new Check("Kafka", Status.Ok, $"{bootstrap} reachable");
        }
        catch (EventSinkNotReadyException ex)
        {
            return new Check("Kafka", Status.Fail, ex.Message);
        }
    }

    private static async Task<Check> CheckQdrantAsync(string url, CancellationToken ct)
    {
        await using var gallery = new QdrantGallery(new QdrantGalleryOptions { Url = url });
        try
        {
            await gallery.CheckReachableAsync(ct);
            return new Check("Qdrant", Status.Ok, $"{url} reachable");
        }
        catch (ReId.Core.Gallery.GalleryUnavailableException ex)
        {
            return new Check("Qdrant", Status.Fail, ex.Message);
        }
    }

    [GeneratedRegex(@"lib[\w.+-]+\.so(\.\d+)*")]
    private static partial Regex MissingLibrary();
}
