namespace ReIdTrainer.Data;

/// <summary>
/// A re-ID dataset split as the standard protocol uses it. Query and Gallery are empty for layouts
/// that carry training images only (folder-per-identity).
/// </summary>
public sealed record ReIdDataset(
    string Root,
    string Layout,
    IReadOnlyList<ReIdImage> Train,
    IReadOnlyList<ReIdImage> Query,
    IReadOnlyList<ReIdImage> Gallery);
