namespace ReId.Events.Outbox;

/// <summary>
/// The outbox has reached its disk bound and refuses new events. Nothing already accepted is lost; the
/// message names the folder, the bound and the fix.
/// </summary>
public sealed class OutboxFullException(string message) : IOException(message);
