using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace ReId.Inference;

/// <summary>Which execution provider to ask for.</summary>
public enum DevicePreference
{
    /// <summary>CUDA when it loads, otherwise CPU (logged).</summary>
    Auto,
    Cpu,
    /// <summary>CUDA or fail: for deployments where silently running on CPU would be a defect.</summary>
    Cuda,
}

/// <summary>An open ONNX Runtime session and the execution provider it really runs on.</summary>
public sealed record OrtModel(InferenceSession Session, string Provider, string ModelPath) : IDisposable
{
    public void Dispose() => Session.Dispose();
}

/// <summary>
/// Creates ONNX Runtime sessions for every model the worker runs (embedder and ONNX detector),
/// so both use the GPU when there is one and fall back to the CPU the same way.
/// </summary>
public static class OrtSessionFactory
{
    /// <summary>The provider name a session reports when it runs on CUDA (else "CPU").</summary>
    public const string CudaProvider = "CUDA";

    /// <summary>
    /// Opens <paramref name="modelPath"/>. With ORT's CUDA build and no usable CUDA 13 / cuDNN 9,
    /// it is <c>AppendExecutionProvider_CUDA</c> that throws ("Failed to load shared library"), not
    /// session creation; the same options then still build a CPU session. Providers listed by
    /// <c>GetAvailableProviders()</c> prove nothing, so we try and report what happened.
    /// </summary>
    public static OrtModel Open(string modelPath, DevicePreference device, ILogger logger, int intraOpThreads = 0)
    {
        if (!File.Exists(modelPath))
            throw new ModelLoadException($"model file '{modelPath}' does not exist; check the path of the .onnx file");

        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;

        string provider = "CPU";
        if (device != DevicePreference.Cpu)
        {
            try
            {
                QuietNativeLog();
                options.AppendExecutionProvider_CUDA(0);
                provider = CudaProvider;
            }
            catch (Exception ex) when (device == DevicePreference.Auto)
            {
                logger.LogWarning("CUDA execution provider unavailable ({Missing}), running {Model} on CPU",
                    CudaDiagnosis(ex), Path.GetFileName(modelPath));
            }
            catch (Exception ex)
            {
                options.Dispose();
                throw new ModelLoadException(
                    $"CUDA was required (--device cuda) but its provider did not load ({CudaDiagnosis(ex)}); " +
                    "install the NVIDIA driver, CUDA 13 and cuDNN 9 runtime libraries, or use --device auto");
            }
        }

        try
        {
            var session = new InferenceSession(modelPath, options);
            logger.LogInformation("Loaded {Model} on {Provider}", Path.GetFileName(modelPath), provider);
            return new OrtModel(session, provider, modelPath);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException(
                $"model file '{modelPath}' is not a loadable ONNX model ({FirstLine(ex.Message)}); " +
                "re-export it or pass a valid .onnx file", ex);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>ONNX Runtime's version, for doctor and summaries.</summary>
    public static string RuntimeVersion =>
        typeof(InferenceSession).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// The CUDA provider's own loader error names the missing library only in ORT's native log;
    /// probing the libraries it links lets the one-line warning name it instead.
    /// </summary>
    public static string CudaDiagnosis(Exception? ex = null)
    {
        string[] required = ["libcuda.so.1", "libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudnn.so.9", "libcufft.so.12"];
        var missing = required.Where(lib =>
        {
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(lib, out var handle)) return true;
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            return false;
        }).ToList();
        if (missing.Count > 0) return "missing " + string.Join(", ", missing);
        return ex is null ? "all CUDA libraries present" : FirstLine(ex.Message);
    }

    private static int _quieted;

    /// <summary>
    /// ORT prints the failed CUDA load as an ERROR line with a colour code on stderr; we report it
    /// ourselves in one clear line, so only fatal native messages are let through.
    /// </summary>
    private static void QuietNativeLog()
    {
        if (Interlocked.Exchange(ref _quieted, 1) == 0)
            OrtEnv.Instance().EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
    }

    internal static string FirstLine(string s)
    {
        int i = s.IndexOfAny(['\r', '\n']);
        return (i < 0 ? s : s[..i]).Trim();
    }
}

/// <summary>A model cannot be used; the message names the file and the fix.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
