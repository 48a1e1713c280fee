using YamlDotNet.RepresentationModel;

namespace ReId.Deploy.Tests;

/// <summary>
/// YAML documents as plain trees: mappings become ordered dictionaries, sequences lists, scalars
/// strings (so "9400" and 9400 read the same, as Docker Compose and Kubernetes coerce them).
/// </summary>
public static class Yaml
{
    public static IReadOnlyList<object?> LoadAll(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        return stream.Documents.Select(d => Convert(d.RootNode)).ToList();
    }

    public static Dictionary<string, object?> LoadMapping(string path)
    {
        var docs = LoadAll(path);
        if (docs.Count != 1 || docs[0] is not Dictionary<string, object?> map)
            throw new DeployFileException($"expected one YAML mapping document, found {docs.Count} document(s)");
        return map;
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Convert(kv.Value)),
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode { Value: var v, Style: YamlDotNet.Core.ScalarStyle.Plain } when v is "~" or "null" or "" => null,
        YamlScalarNode sc => sc.Value,
        _ => null,
    };

    public static Dictionary<string, object?>? Map(this object? node, string key) =>
        node is Dictionary<string, object?> m && m.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    public static List<object?> List(this object? node, string key) =>
        node is Dictionary<string, object?> m && m.TryGetValue(key, out var v) && v is List<object?> l ? l : [];

    public static string? Str(this object? node, string key) =>
        node is Dictionary<string, object?> m && m.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>A path of keys, e.g. node.At("spec", "template", "spec").</summary>
    public static object? At(this object? node, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (node is not Dictionary<string, object?> m || !m.TryGetValue(key, out node)) return null;
        }
        return node;
    }

    public static IEnumerable<Dictionary<string, object?>> Maps(this List<object?> list) => list.OfType<Dictionary<string, object?>>();
}
