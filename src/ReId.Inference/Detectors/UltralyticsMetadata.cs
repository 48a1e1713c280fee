using System.Globalization;
using System.Text.RegularExpressions;

namespace ReId.Inference.Detectors;

/// <summary>
/// What Ultralytics writes into an ONNX export's metadata_props (values are Python reprs, e.g.
/// <c>names = "{0: 'person', 1: 'bicycle'}"</c>). Files from other tools, or stripped ones, have
/// none of it, and the detector then relies on shapes and options alone.
/// </summary>
internal sealed partial record UltralyticsMetadata(
    IReadOnlyDictionary<int, string> Names,
    string? Task,
    bool ExportedWithNms,
    (int Height, int Width)? ImageSize)
{
    public static UltralyticsMetadata Read(IReadOnlyDictionary<string, string> props)
    {
        var names = new Dictionary<int, string>();
        if (props.TryGetValue("names", out var n))
            foreach (Match m in NameEntry().Matches(n))
                names[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] =
                    m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;

        props.TryGetValue("task", out var task);
        bool nms = props.TryGetValue("args", out var args) && NmsTrue().IsMatch(args);

        (int, int)? imgsz = null;
        if (props.TryGetValue("imgsz", out var s))
        {
            var ints = Integer().Matches(s).Select(x => int.Parse(x.Value, CultureInfo.InvariantCulture)).ToArray();
            if (ints.Length == 2 && ints[0] > 0 && ints[1] > 0) imgsz = (ints[0], ints[1]);
            else if (ints.Length == 1 && ints[0] > 0) imgsz = (ints[0], ints[0]);
        }
        return new UltralyticsMetadata(names, task, nms, imgsz);
    }

    /// <summary>Ultralytics numbers classes 0..nc-1; null when the file does not say.</summary>
    public int? ClassCount => Names.Count > 0 ? Names.Keys.Max() + 1 : null;

    public int? IndexOf(string className)
    {
        foreach (var (index, name) in Names)
            if (string.Equals(name, className, StringComparison.OrdinalIgnoreCase))
                return index;
        return null;
    }

    [GeneratedRegex("""(\d+)\s*:\s*(?:'([^']*)'|"([^"]*)")""")]
    private static partial Regex NameEntry();

    [GeneratedRegex("""['"]nms['"]\s*:\s*True""")]
    private static partial Regex NmsTrue();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Integer();
}
