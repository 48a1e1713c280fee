using System.Diagnostics;
using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Inference;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Evaluation;

/// <summary>Embeddings of whole image files, and how fast they were computed.</summary>
public sealed record ExtractedFeatures(float[][] Embeddings, TimeSpan Elapsed)
{
    public double ImagesPerSecond => Embeddings.Length / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Embeds dataset images through the worker's own <see cref="Embedder"/>, so evaluation measures
/// exactly what the worker computes: same ONNX Runtime session setup, same metadata-driven
/// preprocessing. Each file is already a person crop, so the crop box is the whole image.
/// </summary>
public static class FeatureExtractor
{
    public const int DefaultBatchSize = 32;

    public static ExtractedFeatures Extract(Embedder embedder, IReadOnlyList<string> paths,
        int batchSize = DefaultBatchSize, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var result = new float[paths.Count][];
        var clock = Stopwatch.StartNew();
        var mats = new List<Mat>(batchSize);
        var crops = new List<Crop>(batchSize);
        for (int start = 0; start < paths.Count; start += batchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, paths.Count - start);
            try
            {
                crops.Clear();
                for (int i = 0; i < count; i++)
                {
                    var mat = Decode(paths[start + i]);
                    mats.Add(mat);
                    crops.Add(new Crop(mat, new Box(0, 0, mat.Width, mat.Height)));
                }
                var embeddings = embedder.Embed(crops);
                Array.Copy(embeddings, 0, result, start, count);
            }
            finally
            {
                foreach (var m in mats) m.Dispose();
                mats.Clear();
            }
        }
        return new ExtractedFeatures(result, clock.Elapsed);
    }

    private static Mat Decode(string path)
    {
        var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new TrainerException($"cannot decode image '{path}'; replace or remove the file (it is empty, truncated or not an image)");
        }
        return mat;
    }
}
