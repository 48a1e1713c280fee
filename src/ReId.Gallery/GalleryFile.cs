using System.Runtime.InteropServices;
using System.Text;
using ReId.Core.Gallery;

namespace ReId.Gallery;

/// <summary>
/// The embedded gallery's file format, little-endian throughout:
/// <code>
/// "REIDGLRY"  format version (int32)  dimension (int32)
/// model version count M (int32), M strings
/// exemplar count N (int32), N × { id (16 bytes), person id, camera id, seen at (int64 unix ms), model version index (int32) }
/// N × dimension float32, row-major (the in-memory layout, so it loads with one read)
/// "REIDGEND"
/// </code>
/// Strings are length-prefixed UTF-8 (<see cref="BinaryWriter.Write(string)"/>). The closing marker
/// tells a truncated copy from a complete one.
/// </summary>
internal static class GalleryFile
{
    private static ReadOnlySpan<byte> Magic => "REIDGLRY"u8;
    private static ReadOnlySpan<byte> EndMarker => "REIDGEND"u8;
    private const int FormatVersion = 1;

    // Far beyond any edge gallery; guards allocations against a corrupt header.
    private const int MaxModelVersions = 1 << 16;

    internal sealed record Contents(float[] Vectors, EmbeddedGallery.Row[] Rows, int Count, IReadOnlyList<string> ModelVersions);

    public static void Write(
        string path, int dimension, float[] vectors, ReadOnlySpan<EmbeddedGallery.Row> rows,
        IReadOnlyList<string> modelVersions)
    {
        RequireLittleEndian();
        string temp = path + ".tmp";
        try
        {
            string? directory = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(directory))
                Directory.CreateDirectory(directory);

            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(FormatVersion);
                writer.Write(dimension);
                writer.Write(modelVersions.Count);
                foreach (string modelVersion in modelVersions)
                    writer.Write(modelVersion);
                writer.Write(rows.Length);
                Span<byte> id = stackalloc byte[16];
                foreach (ref readonly EmbeddedGallery.Row row in rows)
                {
                    row.Id.TryWriteBytes(id);
                    writer.Write(id);
                    writer.Write(row.PersonId);
                    writer.Write(row.CameraId);
                    writer.Write(row.SeenAtUnixMs);
                    writer.Write(row.ModelVersionId);
                }
                writer.Write(MemoryMarshal.AsBytes(vectors.AsSpan(0, rows.Length * dimension)));
                writer.Write(EndMarker);
                writer.Flush();
                // The rename below is only atomic for data that has reached the disk.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new GalleryUnavailableException(
                $"cannot write gallery file '{path}' ({OneLine(e.Message)}); " +
                "check free space and permissions or pass another --gallery-path", e);
        }
    }

    public static Contents Read(string path, int expectedDimension)
    {
        RequireLittleEndian();
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));

            Span<byte> marker = stackalloc byte[8];
            if (stream.ReadAtLeast(marker, marker.Length, throwOnEndOfStream: false) != marker.Length || !marker.SequenceEqual(Magic))
                throw Corrupt(path, "it does not start with the gallery header");
            int version = reader.ReadInt32();
            if (version > FormatVersion)
                throw new GalleryUnavailableException(
                    $"gallery file '{path}' has format version {version}, written by a newer ReIdWorker; " +
                    "upgrade, pass another --gallery-path or delete it");
            if (version < 1)
                throw Corrupt(path, $"format version {version}");

            int dimension = reader.ReadInt32();
            if (dimension < 1)
                throw Corrupt(path, $"dimension {dimension}");
            if (dimension != expectedDimension)
                throw new GalleryUnavailableException(
                    $"gallery file '{path}' holds {dimension}-d vectors but the model makes {expectedDimension}-d; " +
                    "pass another --gallery-path or delete it");

            int modelVersionCount = reader.ReadInt32();
            if (modelVersionCount is < 0 or > MaxModelVersions)
                throw Corrupt(path, $"model version count {modelVersionCount}");
            var modelVersions = new string[modelVersionCount];
            for (int i = 0; i < modelVersionCount; i++)
                modelVersions[i] = reader.ReadString();

            int count = reader.ReadInt32();
            long remaining = stream.Length - stream.Position;
            // Each exemplar takes at least its vector plus 30 bytes of fixed fields.
            if (count < 0 || (long)count * (dimension * 4L + 30) > remaining)
                throw Corrupt(path, $"it claims {count} exemplars but is too short for them");

            var rows = new EmbeddedGallery.Row[count];
            Span<byte> id = stackalloc byte[16];
            for (int i = 0; i < count; i++)
            {
                reader.BaseStream.ReadExactly(id);
                var row = new EmbeddedGallery.Row(
                    new Guid(id), reader.ReadString(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt32());
                if ((uint)row.ModelVersionId >= (uint)modelVersionCount)
                    throw Corrupt(path, $"exemplar {row.Id} names model version #{row.ModelVersionId}");
                rows[i] = row;
            }

            var vectors = new float[checked(count * dimension)];
            stream.ReadExactly(MemoryMarshal.AsBytes(vectors.AsSpan()));
            if (stream.ReadAtLeast(marker, marker.Length, throwOnEndOfStream: false) != marker.Length
                || !marker.SequenceEqual(EndMarker) || stream.Position != stream.Length)
                throw Corrupt(path, "it does not end where its header says");
            return new Contents(vectors, rows, count, modelVersions);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException or OverflowException)
        {
            throw Corrupt(path, "it ends early or holds malformed data", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GalleryUnavailableException(
                $"cannot read gallery file '{path}' ({OneLine(e.Message)}); check its permissions or pass another --gallery-path", e);
        }
    }

    private static GalleryUnavailableException Corrupt(string path, string why, Exception? inner = null) =>
        new($"gallery file '{path}' is corrupt or not a gallery ({why}); " +
            "restore it from a backup, pass another --gallery-path or delete it", inner);

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the embedded gallery file format is little-endian only");
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
