using System.Globalization;
using ReId.Vision.Imaging;

namespace ReIdWorker.Replay;

/// <summary>
/// Writes a camera's tracks in MOTChallenge format (<c>frame,id,left,top,width,height,conf,-1,-1,-1</c>,
/// frames 1-based) so standard tools (TrackEval, py-motmetrics, <c>reid eval-mot</c>) can score them.
/// </summary>
public sealed class MotTrackWriter(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(path, append: false) { NewLine = "\n" };

    public void Write(long frame, IEnumerable<TrackMark> marks)
    {
        foreach (var m in marks)
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{frame},{m.TrackId},{m.Box.X:0.##},{m.Box.Y:0.##},{m.Box.Width:0.##},{m.Box.Height:0.##},1,-1,-1,-1"));
    }

    public void Dispose() => _writer.Dispose();
}
