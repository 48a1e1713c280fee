namespace ReId.Vision.Synthetic;

/// <summary>
/// Seeds derived from (scene seed, subject, purpose). string.GetHashCode and HashCode are randomised per
/// process, which would break "same seed, same scene".
/// </summary>
public static class SceneRandom
{
    public static int Mix(int seed, int subject, int purpose)
    {
        unchecked
        {
            uint h = 2166136261;
            foreach (int v in (ReadOnlySpan<int>)[seed, subject, purpose])
            {
                h = (h ^ (uint)v) * 16777619;
                h ^= h >> 15;
                h *= 2246822519;
            }
            return (int)(h & 0x7FFFFFFF);
        }
    }
}
