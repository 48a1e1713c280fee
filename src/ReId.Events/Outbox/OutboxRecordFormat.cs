using System.Buffers.Binary;

namespace ReId.Events.Outbox;

/// <summary>
/// How one event is framed in a segment file: [payload length: int32 LE][CRC-32 of payload: uint32 LE]
/// [payload: schema v1 JSON, UTF-8]. The length lets a reader skip from record to record; the checksum
/// tells a complete record from one torn by a crash (or zeros a file system left after one).
/// </summary>
internal static class OutboxRecordFormat
{
    public const int HeaderBytes = 8;

    /// <summary>Far above any real event (about 600 bytes); a larger length can only be garbage.</summary>
    public const int MaxPayloadBytes = 1 << 20;

    public static int FramedLength(int payloadLength) => HeaderBytes + payloadLength;

    public static void Write(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32.Compute(payload));
        payload.CopyTo(destination[HeaderBytes..]);
    }

    /// <summary>
    /// Reads the record at the stream's position. Returns null, with the stream position unspecified, when
    /// what is there is not a whole valid record (end of file, torn write, garbage).
    /// </summary>
    public static byte[]? TryRead(Stream stream, long end)
    {
        long start = stream.Position;
        if (end - start < HeaderBytes)
            return null;
        Span<byte> header = stackalloc byte[HeaderBytes];
        stream.ReadExactly(header);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length <= 0 || length > MaxPayloadBytes || end - start - HeaderBytes < length)
            return null;
        var payload = new byte[length];
        stream.ReadExactly(payload);
        return Crc32.Compute(payload) == checksum ? payload : null;
    }
}
