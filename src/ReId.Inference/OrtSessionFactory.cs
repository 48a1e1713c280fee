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
    /// <summary>
    /// Opens <paramref name="modelPath"/>. With ORT's CUDA build and no usable CUDA 13 / cuDNN 9,
    /// it is <c>AppendExecutionProvider_CUDA</c> that throws ("Failed to load shared library"), not
    /// session creation; the same options then still build a CPU session. Providers listed by
    /// <c>GetAvailableProviders()</c> prove nothing, so we try and report what happened.
    /// </summary>
    public static OrtModel Open(string modelPath, DevicePreference device, ILogger logger, int intraOpThreads = 0)
    {
        if (!File.Exists(modelPath))
            throw new ModelLoadException($"model file '{modelPath}' does not exist; pass --model with the path of an .onnx file");

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
                options.AppendExecutionProvider_CUDA(0);
                provider = "CUDA";
            }
            catch (Exception ex) when (device == DevicePreference.Auto)
            {
                logger.LogWarning("CUDA execution provider unavailable, running {Model} on CPU: {Reason}",
                    Path.GetFileName(modelPath), FirstLine(ex.Message));
            }
            catch (Exception ex)
            {
                options.Dispose();
                throw new ModelLoadException(
                    $"CUDA was required (--device cuda) but its provider did not load: {FirstLine(ex.Message)}; " +
                    "install CUDA 13 and cuDNN 9 runtime libraries or use --device auto");
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
                "re-export it or pass --model with a valid .onnx file", ex);
        }
        finally
        {
            options.Dispose();
        }
    }

    /// <summary>ONNX Runtime's version, for doctor and summaries.</summary>
    public static string RuntimeVersion =>
        typeof(InferenceSession).Assembly.GetName().Version?.ToString() ?? "unknown";

    internal static string FirstLine(string s)
    {
        int i = s.IndexOfAny(['\r', '\n']);
        return (i < 0 ? s : s[..i]).Trim();
    }
}

/// <summary>A model cannot be used; the message names the file and the fix.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
