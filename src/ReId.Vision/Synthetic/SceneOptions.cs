namespace ReId.Vision.Synthetic;

/// <summary>What to generate. Every camera records the same <see cref="Frames"/> instants.</summary>
public sealed record SceneOptions
{
    public int Cameras { get; init; } = 2;
    public int People { get; init; } = 8;
    public int Frames { get; init; } = 300;
    public double Fps { get; init; } = 10;
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 480;
    public int Seed { get; init; } = 1;

    /// <summary>The first problem with these options, or null; phrased for a command-line user.</summary>
    public string? Validate() =>
        Cameras is < 1 or > 16 ? $"cameras must be 1..16 (got {Cameras})"
        : People is < 1 or > 200 ? $"people must be 1..200 (got {People})"
        : Frames < 1 ? $"frames must be at least 1 (got {Frames})"
        : Fps is <= 0 or > 120 ? $"fps must be in (0, 120] (got {Fps})"
        : Width is < 160 or > 4096 || Height is < 120 or > 4096 ? $"size must be from 160x120 to 4096x4096 (got {Width}x{Height})"
        : null;
}
