namespace ReId.Events.Outbox;

/// <summary>A place in the outbox log: a segment file's number and a byte offset in it.</summary>
public readonly record struct OutboxPosition(long Segment, long Offset) : IComparable<OutboxPosition>
{
    public int CompareTo(OutboxPosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);

    public override string ToString() => $"{Segment}:{Offset}";
}
