using System.Runtime.InteropServices;

namespace ReId.Events.Outbox;

/// <summary>
/// fsync of a folder. A new or renamed file's data may be on disk while its name is not: after a power
/// cut the file would be missing. .NET cannot open a folder as a stream, so this calls libc directly.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return; // Linux is the only platform we ship (Directory.Build.props); elsewhere best effort.
        int fd = Open(directory, ReadOnly);
        if (fd < 0)
            throw new IOException($"cannot open folder '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"cannot sync folder '{directory}' to disk (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
