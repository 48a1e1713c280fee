namespace ReId.Events;

/// <summary>
/// An event sink cannot start: its destination is not writable or not reachable. The message is one line
/// naming the destination and the fix, meant to be shown to the user as is (no stack trace). Derives from
/// <see cref="IOException"/> because every cause is an I/O condition (a file, a folder, a network peer).
/// </summary>
public sealed class EventSinkNotReadyException(string message, Exception? inner = null) : IOException(message, inner);
