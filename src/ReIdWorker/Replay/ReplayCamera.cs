using ReId.Vision.Detectors;
using ReId.Vision.Sources;

namespace ReIdWorker.Replay;

/// <summary>One recorded input of a replay: its frames and the detector that finds people in them.</summary>
public sealed record ReplayCamera(IFrameSource Source, IDetector Detector) : IDisposable
{
    public string CameraId => Source.CameraId;

    public void Dispose()
    {
        Source.Dispose();
        Detector.Dispose();
    }
}
