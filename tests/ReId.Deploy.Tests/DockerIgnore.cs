using System.Text.RegularExpressions;

namespace ReId.Deploy.Tests;

/// <summary>
/// .dockerignore semantics (moby/patternmatcher): patterns relative to the context root, '*' and
/// '?' within one path segment, '**' across segments, '!' re-includes, the last matching pattern
/// wins, and a path is excluded when it or any of its parent directories is.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> _rules = [];

    public DockerIgnore(string text)
    {
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            bool exclude = !line.StartsWith('!');
            string pattern = (exclude ? line : line[1..]).Trim().Trim('/');
            if (pattern.StartsWith("./", StringComparison.Ordinal)) pattern = pattern[2..];
            _rules.Add((new Regex("^" + ToRegex(pattern) + "$"), exclude));
        }
    }

    public static DockerIgnore Load(string path) => new(File.Exists(path) ? File.ReadAllText(path) : "");

    public bool Excludes(string relativePath)
    {
        string path = relativePath.Replace('\\', '/').Trim('/');
        if (path.StartsWith("./", StringComparison.Ordinal)) path = path[2..];
        bool excluded = false;
        foreach (var (pattern, exclude) in _rules)
        {
            if (MatchesOrParentMatches(pattern, path)) excluded = exclude;
        }
        return excluded;
    }

    private static bool MatchesOrParentMatches(Regex pattern, string path)
    {
        var parts = path.Split('/');
        for (int n = parts.Length; n >= 1; n--)
            if (pattern.IsMatch(string.Join('/', parts.Take(n)))) return true;
        return false;
    }

    private static string ToRegex(string pattern)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches zero or more directories; a trailing "**" matches everything below.
                bool slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                sb.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.ToString();
    }
}
