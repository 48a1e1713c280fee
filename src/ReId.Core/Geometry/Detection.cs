namespace ReId.Core.Geometry;

/// <summary>A person found in one frame by a detector, with the detector's confidence in [0,1].</summary>
public readonly record struct Detection(Box Box, float Score);
