using System.Text.RegularExpressions;

namespace ReId.Vision.Sources;

/// <summary>Opens the right source for what the user named: a network stream, a device, a file or an image folder.</summary>
public static partial class FrameSources
{
    /// <summary>URL schemes decoded by an ffmpeg subprocess (<see cref="FfmpegStreamSource"/>).</summary>
    public static IReadOnlyList<string> NetworkSchemes { get; } = ["rtsp", "rtsps", "http", "https", "tcp", "srt", "udp"];

    /// <param name="networkTimeout">I/O timeout of a network stream (a dead peer ends the read); default 10 s.</param>
    public static IFrameSource Open(string source, string cameraId, DateTimeOffset? startTime = null, TimeSpan? networkTimeout = null)
    {
        if (IsNetworkStream(source))
            return new FfmpegStreamSource(source, cameraId, networkTimeout);
        if (DevicePattern().Match(source) is { Success: true } m)
            return new DeviceSource(int.Parse(m.Groups[1].Value), cameraId);
        if (source.Contains("://", StringComparison.Ordinal))
            throw new FrameSourceException($"'{source}' uses an unsupported protocol; network cameras take {string.Join(", ", NetworkSchemes.Select(s => s + "://"))} URLs");
        if (Directory.Exists(source))
            return new ImageFolderSource(source, cameraId, startTime);
        return new VideoFileSource(source, cameraId, startTime);
    }

    /// <summary>True for a URL that <see cref="FfmpegStreamSource"/> decodes (rtsp://, http://, ...).</summary>
    public static bool IsNetworkStream(string source)
    {
        int colon = source.IndexOf("://", StringComparison.Ordinal);
        return colon > 0 && NetworkSchemes.Contains(source[..colon].ToLowerInvariant());
    }

    /// <summary>True for a recorded file or image folder: its end is the end of the footage, whereas a
    /// network stream or a device that ends has dropped out and is worth reconnecting.</summary>
    public static bool IsRecorded(string source) => !IsNetworkStream(source) && !DevicePattern().IsMatch(source);

    /// <summary>
    /// <paramref name="text"/> with the password of every URL in it replaced by <c>***</c>
    /// (<c>rtsp://admin:secret@cam/1</c> becomes <c>rtsp://admin:***@cam/1</c>): camera URLs carry
    /// credentials, and messages and logs must not.
    /// </summary>
    public static string Redact(string text) => UrlPassword().Replace(text, "${head}***@");

    /// <summary>A camera id derived from a source: the file or folder name without extension.</summary>
    public static string DefaultCameraId(string source)
    {
        string name = Path.GetFileNameWithoutExtension(source.TrimEnd('/', '\\'));
        return string.IsNullOrEmpty(name) ? "camera" : name;
    }

    [GeneratedRegex(@"(?<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:@/\s]*:)[^@/\s]*@")]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"^(?:/dev/video)?(\d+)$")]
    private static partial Regex DevicePattern();
}
