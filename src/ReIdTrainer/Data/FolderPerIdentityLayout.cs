using System.Globalization;
using System.Text.RegularExpressions;
using ReIdTrainer.Cli;

namespace ReIdTrainer.Data;

/// <summary>
/// One folder per person, &lt;root&gt;/&lt;person id&gt;/&lt;image&gt;: the simplest layout to make from
/// one's own footage or mined tracklets. The camera is read from a cN token in the file name
/// (cam3 and c3po are not; c3_0001.jpg, track7_c3.png and 0001_c3s1_000151_01.jpg are) when present.
/// </summary>
public static partial class FolderPerIdentityLayout
{
    public const string Name = "folders";

    // A token is delimited by _ or - (or the name's ends); Market-1501's cCsS also counts.
    [GeneratedRegex(@"(?:^|[_\-])c(?<camera>\d+)(?=$|[_\-]|s\d)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex CameraToken();

    public static ReIdDataset Load(string root)
    {
        if (!Directory.Exists(root))
            throw new TrainerException($"dataset folder '{root}' does not exist");

        string? stray = ImageFiles.In(root).FirstOrDefault();
        if (stray is not null)
            throw new TrainerException($"image '{stray}' lies directly in '{root}'; the folder-per-identity layout expects <root>/<person id>/<image>");

        var images = new List<ReIdImage>();
        foreach (string identityFolder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            string person = Path.GetFileName(identityFolder);
            // An identity folder left empty (say, by cleaning out bad crops) is no identity; skipping it is harmless.
            images.AddRange(ImageFiles.In(identityFolder).Select(file => new ReIdImage(file, person, CameraOf(file), ImageLabel.Identity)));
        }
        if (images.Count == 0)
            throw new TrainerException($"'{root}' holds no identities: expected <root>/<person id>/<image> with .jpg, .jpeg, .png or .bmp images");
        return new ReIdDataset(root, Name, images, [], []);
    }

    public static int? CameraOf(string path)
    {
        var m = CameraToken().Match(Path.GetFileNameWithoutExtension(path));
        return m.Success ? int.Parse(m.Groups["camera"].Value, CultureInfo.InvariantCulture) : null;
    }
}
