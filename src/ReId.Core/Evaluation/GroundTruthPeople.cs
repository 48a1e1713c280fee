namespace ReId.Core.Evaluation;

/// <summary>
/// Which ground-truth ids of one sequence are the same person. MOTChallenge ground truth keeps a person's id
/// while they are hidden inside the view but gives them a new one each time they walk into it again, so
/// re-identification over time (a person who left and came back getting their id back) can only be scored
/// with this mapping. File format: one <c>gt_id,person</c> line per id; <c>#</c> starts a comment line; ids
/// not listed are each a person of their own.
/// </summary>
public static class GroundTruthPeople
{
    public static IReadOnlyDictionary<int, string> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found; pass a text file of gt_id,person lines", path);
        using var reader = new StreamReader(path);
        return Parse(reader, path);
    }

    /// <param name="source">Name used in error messages (usually the path).</param>
    public static IReadOnlyDictionary<int, string> Parse(TextReader reader, string source)
    {
        var people = new Dictionary<int, string>();
        var lineOf = new Dictionary<int, int>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            var fields = text.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length != 2 || fields[1].Length == 0)
                throw new FormatException($"{source}:{lineNumber}: expected 'gt_id,person', found '{text}'");
            if (!int.TryParse(fields[0], out int id))
                throw new FormatException($"{source}:{lineNumber}: ground-truth id '{fields[0]}' is not an integer");
            if (!lineOf.TryAdd(id, lineNumber))
                throw new FormatException($"{source}:{lineNumber}: ground-truth id {id} is already given a person on line {lineOf[id]}; list each id once");
            people[id] = fields[1];
        }
        return people;
    }

    /// <summary>
    /// The first contradiction between <paramref name="people"/> and the ground truth, as one line, or null: an
    /// id the ground truth does not have (a typo would silently leave that id a person of its own), or two ids of
    /// one person in the same frame (one person is never two boxes).
    /// </summary>
    public static string? Check(IReadOnlyDictionary<int, string> people, IReadOnlyList<MotRow> groundTruth, string source)
    {
        var ids = groundTruth.Select(r => r.Id).ToHashSet();
        foreach (var id in people.Keys.Order())
            if (!ids.Contains(id))
                return $"{source}: ground-truth id {id} is not in the ground truth; fix the id or remove the line";
        foreach (var frame in groundTruth.GroupBy(r => r.Frame).OrderBy(g => g.Key))
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var row in frame.OrderBy(r => r.Id))
                if (people.TryGetValue(row.Id, out var person) && !seen.TryAdd(person, row.Id))
                    return $"{source}: ground-truth ids {seen[person]} and {row.Id} are both '{person}' but are both in frame {frame.Key}; one person cannot be two boxes";
        }
        return null;
    }
}
