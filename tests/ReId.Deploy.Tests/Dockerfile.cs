using System.Text.Json;
using System.Text.RegularExpressions;

namespace ReId.Deploy.Tests;

/// <summary>One instruction of a Dockerfile, continuation lines joined, with its 1-based line.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line, int Stage);

/// <summary>A build stage: its FROM image (ARGs resolved with their defaults) and name.</summary>
public sealed record DockerStage(int Index, string From, string RawFrom, string? Name, IReadOnlyDictionary<string, string> Args, int Line);

/// <summary>
/// Just enough of the Dockerfile grammar to check it against the repository: instructions with
/// line continuations and comments, stages, ARG defaults, exec-form (JSON) arguments and flags.
/// </summary>
public sealed partial class Dockerfile
{
    public IReadOnlyList<DockerInstruction> Instructions { get; }
    public IReadOnlyList<DockerStage> Stages { get; }
    public IReadOnlyDictionary<string, string> GlobalArgs { get; }

    private Dockerfile(IReadOnlyList<DockerInstruction> instructions, IReadOnlyList<DockerStage> stages, IReadOnlyDictionary<string, string> globalArgs)
    {
        Instructions = instructions;
        Stages = stages;
        GlobalArgs = globalArgs;
    }

    public DockerStage Final => Stages[^1];

    public IEnumerable<DockerInstruction> In(DockerStage stage, string keyword) =>
        Instructions.Where(i => i.Stage == stage.Index && i.Keyword == keyword);

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var stages = new List<DockerStage>();
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string>? stageArgs = null;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int start = n + 1;
            var joined = new System.Text.StringBuilder();
            while (true)
            {
                bool continued = line.EndsWith('\\');
                joined.Append(continued ? line[..^1] : line).Append(' ');
                if (!continued) break;
                // Comment and blank lines inside a continued instruction are skipped, as Docker does.
                do { n++; line = n < lines.Length ? lines[n].Trim() : ""; }
                while (n < lines.Length && (line.Length == 0 || line.StartsWith('#')));
                if (n >= lines.Length) break;
            }
            string full = joined.ToString().Trim();
            int space = full.IndexOf(' ');
            string keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            string args = space < 0 ? "" : full[(space + 1)..].Trim();

            if (keyword == "ARG")
            {
                var (name, value) = SplitArg(args);
                var scope = stageArgs ?? globalArgs;
                // A stage's bare `ARG NAME` re-declares a global ARG and takes its default.
                scope[name] = value ?? (stageArgs is not null && globalArgs.TryGetValue(name, out var g) ? g : "");
            }
            if (keyword == "FROM")
            {
                var parts = Words(args).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                string from = Substitute(parts[0], globalArgs);
                string? name = parts.Count >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                stageArgs = new Dictionary<string, string>(StringComparer.Ordinal);
                stages.Add(new DockerStage(stages.Count, from, parts[0], name, stageArgs, start));
            }
            instructions.Add(new DockerInstruction(keyword, args, start, stages.Count - 1));
        }
        if (stages.Count == 0) throw new DeployFileException("has no FROM instruction");
        return new Dockerfile(instructions, stages, globalArgs);
    }

    private static (string Name, string? Value) SplitArg(string args)
    {
        int eq = args.IndexOf('=');
        return eq < 0 ? (args.Trim(), null) : (args[..eq].Trim(), args[(eq + 1)..].Trim().Trim('"'));
    }

    /// <summary>${NAME} and $NAME replaced by the ARG values in scope (unknown ones left as is).</summary>
    public static string Substitute(string text, IReadOnlyDictionary<string, string> args) =>
        ArgReference().Replace(text, m =>
        {
            string name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return args.TryGetValue(name, out var v) ? v : m.Value;
        });

    public string Substitute(string text, DockerStage stage)
    {
        var scope = new Dictionary<string, string>(GlobalArgs);
        foreach (var kv in stage.Args) scope[kv.Key] = kv.Value;
        return Substitute(text, scope);
    }

    /// <summary>Shell-like words: whitespace separated, quotes removed.</summary>
    public static List<string> Words(string text) =>
        WordPattern().Matches(text).Select(m => m.Value.Trim('"', '\'')).ToList();

    /// <summary>Exec form (a JSON array) of ENTRYPOINT, CMD or HEALTHCHECK CMD, or null for the shell form.</summary>
    public static IReadOnlyList<string>? ExecForm(string args)
    {
        if (!args.StartsWith('[')) return null;
        try { return JsonSerializer.Deserialize<List<string>>(args); }
        catch (JsonException) { return null; }
    }

    /// <summary>Flags (--from=build, --chown=...) and the rest of a COPY/ADD/RUN/HEALTHCHECK.</summary>
    public static (Dictionary<string, string> Flags, List<string> Operands) SplitFlags(string args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var words = Words(args);
        int i = 0;
        for (; i < words.Count && words[i].StartsWith("--", StringComparison.Ordinal); i++)
        {
            int eq = words[i].IndexOf('=');
            if (eq < 0) flags[words[i][2..]] = "";
            else flags[words[i][2..eq]] = words[i][(eq + 1)..];
        }
        return (flags, words.Skip(i).ToList());
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ArgReference();

    [GeneratedRegex("\"[^\"]*\"|'[^']*'|\\S+")]
    private static partial Regex WordPattern();
}
