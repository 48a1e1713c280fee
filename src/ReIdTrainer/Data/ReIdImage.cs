namespace ReIdTrainer.Data;

/// <summary>One person crop of a dataset, known by its file name alone (decoding comes later).</summary>
/// <param name="Path">Full path of the image file.</param>
/// <param name="PersonId">The dataset's own identity name (Market-1501's four digits, or the folder name).</param>
/// <param name="CameraId">The camera the crop came from, when the name says; evaluation excludes same-camera matches.</param>
/// <param name="Label">Whether the image is a real identity, a distractor or junk.</param>
public sealed record ReIdImage(string Path, string PersonId, int? CameraId, ImageLabel Label);
