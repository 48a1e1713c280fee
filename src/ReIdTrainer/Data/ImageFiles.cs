namespace ReIdTrainer.Data;

/// <summary>
/// Which files in a dataset folder are images. Others are skipped rather than rejected: real
/// copies of Market-1501 carry Windows' Thumbs.db files, for instance.
/// </summary>
internal static class ImageFiles
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp" };

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Sorted so datasets, and hence label numbering and sampling, are the same on every machine.</summary>
    public static IEnumerable<string> In(string folder) =>
        Directory.EnumerateFiles(folder).Where(IsImage).Order(StringComparer.Ordinal);
}
