using OpenCvSharp;

namespace ReId.Vision.Sources;

/// <summary>
/// A folder of still images (e.g. a MOTChallenge img1/ folder), read in file-name order as frames
/// at a nominal frame rate.
/// </summary>
public sealed class ImageFolderSource : IFrameSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"];
    private readonly string[] _files;
    private readonly DateTimeOffset _startTime;
    private int _next;

    public string CameraId { get; }
    public string Source { get; }
    public FrameSourceInfo Info { get; }

    public ImageFolderSource(string folder, string cameraId, DateTimeOffset? startTime = null, double framesPerSecond = 25.0)
    {
        if (!Directory.Exists(folder))
            throw new FrameSourceException($"image folder '{folder}' does not exist; check the path");
        _files = Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (_files.Length == 0)
            throw new FrameSourceException($"image folder '{folder}' holds no images ({string.Join(", ", Extensions)}); point it at a folder of frames");
        using var first = Cv2.ImRead(_files[0], ImreadModes.Color);
        if (first.Empty())
            throw new FrameSourceException($"image '{_files[0]}' cannot be decoded; remove or replace it");
        CameraId = cameraId;
        Source = folder;
        Info = new FrameSourceInfo(first.Width, first.Height, framesPerSecond, _files.Length);
        _startTime = startTime ?? new DateTimeOffset(Directory.GetLastWriteTimeUtc(folder), TimeSpan.Zero);
    }

    public Frame? Read()
    {
        if (_next >= _files.Length) return null;
        string file = _files[_next];
        var image = Cv2.ImRead(file, ImreadModes.Color);
        if (image.Empty())
        {
            image.Dispose();
            throw new FrameSourceException($"image '{file}' cannot be decoded; remove or replace it");
        }
        if (image.Width != Info.Width || image.Height != Info.Height)
        {
            image.Dispose();
            throw new FrameSourceException($"image '{file}' is {image.Width}x{image.Height} but the folder's first image is {Info.Width}x{Info.Height}; a camera's frames must share one size");
        }
        _next++;
        return new Frame
        {
            CameraId = CameraId,
            Number = _next,
            Timestamp = _startTime.AddTicks((long)((_next - 1) * TimeSpan.TicksPerSecond / Info.FramesPerSecond)),
            TimestampSource = "media",
            Image = image,
        };
    }

    public void Dispose() { }
}
