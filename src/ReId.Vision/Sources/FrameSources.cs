using System.Text.RegularExpressions;

namespace ReId.Vision.Sources;

/// <summary>Opens the right source for what the user named: a file, an image folder or a device.</summary>
public static partial class FrameSources
{
    public static IFrameSource Open(string source, string cameraId, DateTimeOffset? startTime = null)
    {
        if (DevicePattern().Match(source) is { Success: true } m)
            return new DeviceSource(int.Parse(m.Groups[1].Value), cameraId);
        if (source.Contains("://", StringComparison.Ordinal))
            throw new FrameSourceException($"'{source}' is a network stream; replay takes files, folders and devices (network cameras come with `reid run`)");
        if (Directory.Exists(source))
            return new ImageFolderSource(source, cameraId, startTime);
        return new VideoFileSource(source, cameraId, startTime);
    }

    /// <summary>A camera id derived from a source: the file or folder name without extension.</summary>
    public static string DefaultCameraId(string source)
    {
        string name = Path.GetFileNameWithoutExtension(source.TrimEnd('/', '\\'));
        return string.IsNullOrEmpty(name) ? "camera" : name;
    }

    [GeneratedRegex(@"^(?:/dev/video)?(\d+)$")]
    private static partial Regex DevicePattern();
}
