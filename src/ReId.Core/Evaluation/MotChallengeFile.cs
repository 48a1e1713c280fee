using System.Globalization;

namespace ReId.Core.Evaluation;

/// <summary>
/// Reads MOTChallenge ground-truth and tracker files. Fields are separated by commas or whitespace
/// (both occur in the wild); blank lines are skipped. Anything else that does not parse is a
/// <see cref="FormatException"/> naming the file and line, because a silently skipped row changes every metric.
/// </summary>
public static class MotChallengeFile
{
    public static IReadOnlyList<MotRow> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found; pass a MOTChallenge text file (frame,id,x,y,w,h,...)", path);
        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    /// <param name="source">Name used in error messages (usually the path).</param>
    public static IReadOnlyList<MotRow> Parse(TextReader reader, string source)
    {
        var rows = new List<MotRow>();
        var firstLineOf = new Dictionary<(int Frame, int Id), int>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 6)
                throw Malformed(source, lineNumber, $"expected at least 6 fields (frame,id,x,y,w,h), found {fields.Length}");

            int frame = Integer(fields[0], "frame", source, lineNumber);
            int id = Integer(fields[1], "id", source, lineNumber);
            double x = Number(fields[2], "x", source, lineNumber);
            double y = Number(fields[3], "y", source, lineNumber);
            double w = Number(fields[4], "width", source, lineNumber);
            double h = Number(fields[5], "height", source, lineNumber);
            double conf = fields.Length > 6 ? Number(fields[6], "conf/flag", source, lineNumber) : 1.0;
            double? cls = fields.Length > 7 ? Number(fields[7], "class", source, lineNumber) : null;
            double? visibility = fields.Length > 8 ? Number(fields[8], "visibility", source, lineNumber) : null;

            // Both reference evaluators refuse an id that appears twice in one frame: the matching is undefined.
            if (!firstLineOf.TryAdd((frame, id), lineNumber))
                throw Malformed(source, lineNumber, $"id {id} appears twice in frame {frame} (first on line {firstLineOf[(frame, id)]}); ids must be unique per frame");

            rows.Add(new MotRow(frame, id, x, y, w, h, conf, cls, visibility, lineNumber));
        }
        return rows;
    }

    private static int Integer(string text, string name, string source, int line)
    {
        // Some tools write ids and frames as "12.000"; accept integral values in any notation.
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value != Math.Floor(value) || value < int.MinValue || value > int.MaxValue)
            throw Malformed(source, line, $"{name} '{text}' is not an integer");
        return (int)value;
    }

    private static double Number(string text, string name, string source, int line)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw Malformed(source, line, $"{name} '{text}' is not a number");
        return value;
    }

    private static FormatException Malformed(string source, int line, string problem) =>
        new($"{source}:{line}: {problem}; fix the line or regenerate the file in MOTChallenge format (frame,id,x,y,w,h,conf,class,visibility)");
}
