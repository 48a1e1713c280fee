namespace ReId.Vision.Synthetic;

/// <summary>Which way a person faces as one camera sees them.</summary>
public enum Facing { Towards, Away, Left, Right }

/// <summary>
/// How to draw a person on one frame: <paramref name="WalkPhase"/> in radians drives the leg and arm
/// swing (one full cycle per stride pair); a standing person has <paramref name="Walking"/> false.
/// </summary>
public readonly record struct PersonPose(Facing Facing, double WalkPhase, bool Walking);
