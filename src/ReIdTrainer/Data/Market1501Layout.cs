using System.Globalization;
using System.Text.RegularExpressions;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Data;

/// <summary>
/// The Market-1501 layout (also used by DukeMTMC-reID and others): folders bounding_box_train,
/// bounding_box_test (the gallery) and query, image names PPPP_cCsS_FFFFFF_NN.jpg
/// (person, camera, sequence, frame, box number).
/// </summary>
public static partial class Market1501Layout
{
    public const string Name = "market1501";
    public const string TrainFolder = "bounding_box_train";
    public const string GalleryFolder = "bounding_box_test";
    public const string QueryFolder = "query";

    // DukeMTMC-reID names (0001_c2_f0046182.jpg) carry no sequence; the camera is all evaluation needs.
    [GeneratedRegex(@"^(?<person>-1|\d+)_c(?<camera>\d+)(?:s\d+)?_", RegexOptions.CultureInvariant)]
    private static partial Regex FileName();

    /// <summary>
    /// Creates the three folders under <paramref name="root"/> for a dataset writer, refusing ones that
    /// already hold files (a fresh dataset is never mixed into an old one). Returns (train, gallery, query).
    /// </summary>
    public static (string Train, string Gallery, string Query) CreateEmpty(string root, string command)
    {
        string train = Path.Combine(root, TrainFolder), gallery = Path.Combine(root, GalleryFolder), query = Path.Combine(root, QueryFolder);
        foreach (string dir in new[] { train, gallery, query })
        {
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new TrainerException($"'{dir}' is not empty; {command} writes a fresh dataset, choose an empty --out folder");
            Directory.CreateDirectory(dir);
        }
        return (train, gallery, query);
    }

    public static ReIdDataset Load(string root)
    {
        if (!Directory.Exists(root))
            throw new TrainerException($"Market-1501 folder '{root}' does not exist");
        return new ReIdDataset(root, Name,
            LoadFolder(root, TrainFolder), LoadFolder(root, QueryFolder), LoadFolder(root, GalleryFolder));
    }

    /// <summary>Reads one file name; null when it is not a Market-1501 name.</summary>
    public static ReIdImage? Parse(string path)
    {
        var m = FileName().Match(Path.GetFileName(path));
        if (!m.Success) return null;
        string person = m.Groups["person"].Value;
        var label = person switch
        {
            "-1" => ImageLabel.Junk,
            _ when person.All(c => c == '0') => ImageLabel.Distractor,
            _ => ImageLabel.Identity,
        };
        return new ReIdImage(path, person, int.Parse(m.Groups["camera"].Value, CultureInfo.InvariantCulture), label);
    }

    private static IReadOnlyList<ReIdImage> LoadFolder(string root, string folder)
    {
        string path = Path.Combine(root, folder);
        if (!Directory.Exists(path))
            throw new TrainerException($"'{root}' has no '{folder}' folder; the Market-1501 layout needs {TrainFolder}, {GalleryFolder} and {QueryFolder}");

        var images = ImageFiles.In(path)
            .Select(file => Parse(file) ?? throw new TrainerException(
                $"'{file}' is not a Market-1501 image name (expected PPPP_cCsS_FFFFFF_NN.jpg, such as 0002_c1s1_000451_03.jpg)"))
            .ToList();
        if (images.Count == 0)
            throw new TrainerException($"'{path}' holds no images (.jpg, .jpeg, .png, .bmp)");
        if (!images.Any(i => i.Label == ImageLabel.Identity))
            throw new TrainerException($"'{path}' holds no identities, only distractors (0000) and junk (-1)");
        return images;
    }
}
