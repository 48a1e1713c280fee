using ReId.Core.Geometry;

namespace ReId.Vision.Detectors;

/// <summary>
/// Finds people in a frame. Implementations: OpenCV HOG, an ONNX (YOLO-family) model, and a
/// MOTChallenge det.txt file. <see cref="Detect"/> may be called from several threads at once
/// (replay detects frames in parallel), and must not keep or dispose the frame.
/// </summary>
public interface IDetector : IDisposable
{
    /// <summary>Short name for logs and summaries, e.g. "hog", "onnx:yolo11n.onnx", "file:det.txt".</summary>
    string Name { get; }
    IReadOnlyList<Detection> Detect(Frame frame);
}
