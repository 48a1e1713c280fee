namespace ReId.Deploy.Tests;

/// <summary>What a check found wrong: one line per problem, naming the file and the fix.</summary>
public sealed class Problems
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines => _lines;

    public void Add(string file, string message) => _lines.Add($"{file}: {message}");

    public void Check(bool ok, string file, string message)
    {
        if (!ok) Add(file, message);
    }

    /// <summary>Runs a check body; a file that cannot be parsed at all is one problem, not a crash.</summary>
    public void Guard(string file, Action body)
    {
        try { body(); }
        catch (Exception ex) when (ex is DeployFileException or IOException or YamlDotNet.Core.YamlException or System.Text.Json.JsonException)
        {
            Add(file, ex.Message);
        }
    }

    public override string ToString() => _lines.Count == 0 ? "no problems" : string.Join(Environment.NewLine, _lines);
}

/// <summary>A deployment file is missing or malformed in a way that stops a check.</summary>
public sealed class DeployFileException(string message) : Exception(message);
