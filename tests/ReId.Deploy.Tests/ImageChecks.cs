using System.Text.RegularExpressions;

namespace ReId.Deploy.Tests;

/// <summary>What the image promises to the deployment files (read from the Dockerfile).</summary>
public sealed record ImageFacts(IReadOnlyList<int> ExposedPorts, Uri? HealthCheckUrl, string? User, IReadOnlyList<string> Volumes);

/// <summary>Checks the Dockerfile and .dockerignore against the repository: every COPY source
/// exists and reaches the builder, the published project and the entry point agree, the model is
/// baked in, and the image's port, user and volume are what the deployment files expect.</summary>
public static partial class ImageChecks
{
    public static Dockerfile Parse(RepoTree repo)
    {
        if (!repo.Exists(DeployPaths.Dockerfile)) throw new DeployFileException("is missing: the deployment files build it");
        return Dockerfile.Parse(repo.Read(DeployPaths.Dockerfile));
    }

    public static ImageFacts Facts(RepoTree repo) => FactsOf(Parse(repo));

    private static ImageFacts FactsOf(Dockerfile df)
    {
        var final = df.Final;
        var exposed = df.In(final, "EXPOSE")
            .SelectMany(i => Dockerfile.Words(i.Arguments))
            .Select(w => int.TryParse(w.Split('/')[0], out int p) ? p : -1)
            .ToList();
        Uri? health = df.In(final, "HEALTHCHECK").Select(i => UrlIn(i.Arguments)).LastOrDefault();
        string? user = df.In(final, "USER").Select(i => df.Substitute(i.Arguments.Trim(), final)).LastOrDefault();
        var volumes = df.In(final, "VOLUME")
            .SelectMany(i => Dockerfile.ExecForm(i.Arguments) ?? Dockerfile.Words(i.Arguments))
            .Select(v => v.TrimEnd('/'))
            .ToList();
        return new ImageFacts(exposed, health, user, volumes);
    }

    public static Problems Check(RepoTree repo)
    {
        var problems = new Problems();
        const string file = DeployPaths.Dockerfile;
        problems.Guard(file, () =>
        {
            var df = Parse(repo);
            var ignore = DockerIgnore.Load(repo.PathOf(DeployPaths.DockerIgnore));
            CheckStages(df, problems);
            var copies = CheckCopies(repo, df, ignore, problems);
            CheckPublish(repo, df, ignore, copies, problems);
            CheckModels(repo, df, ignore, problems);
            CheckRuntime(df, problems);
        });
        return problems;
    }

    private static void CheckStages(Dockerfile df, Problems problems)
    {
        const string file = DeployPaths.Dockerfile;
        foreach (var stage in df.Stages)
        {
            var earlier = df.Stages.Take(stage.Index).Select(s => s.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            problems.Check(!stage.From.Contains('$'), file,
                $"FROM {stage.RawFrom} (line {stage.Line}) uses an ARG with no default: give it one before the first FROM");
            problems.Check(earlier.Contains(stage.From) || IsImageReference(stage.From), file,
                $"FROM {stage.From} (line {stage.Line}) is neither an earlier stage nor an image (registry/name:tag): fix the name");
        }
        // Every documented flavor must select a stage that exists (FROM base-${FLAVOR}).
        var final = df.Final;
        if (final.RawFrom.Contains("FLAVOR", StringComparison.Ordinal))
        {
            foreach (var flavor in DeployPaths.Flavors)
            {
                var args = new Dictionary<string, string>(df.GlobalArgs) { ["FLAVOR"] = flavor };
                string from = Dockerfile.Substitute(final.RawFrom, args);
                problems.Check(df.Stages.Any(s => s.Index < final.Index && string.Equals(s.Name, from, StringComparison.OrdinalIgnoreCase)), file,
                    $"--build-arg FLAVOR={flavor} selects FROM {from}, which is no stage: add a stage named {from}");
            }
        }
        else
        {
            problems.Add(file, "the final stage does not select its base by FLAVOR: the gpu and cpu images documented in docs/deployment.md cannot both be built");
        }
    }

    /// <summary>COPY/ADD sources taken from the build context, per stage.</summary>
    private static List<(int Stage, string Source)> CheckCopies(RepoTree repo, Dockerfile df, DockerIgnore ignore, Problems problems)
    {
        const string file = DeployPaths.Dockerfile;
        var copies = new List<(int, string)>();
        foreach (var instr in df.Instructions.Where(i => i.Keyword is "COPY" or "ADD"))
        {
            var (flags, rest) = Dockerfile.SplitFlags(instr.Arguments);
            if (rest.Count < 2) { problems.Add(file, $"{instr.Keyword} at line {instr.Line} needs a source and a destination"); continue; }
            if (flags.TryGetValue("from", out var from))
            {
                var earlier = df.Stages.Where(s => s.Index < instr.Stage).Select(s => s.Name);
                problems.Check(earlier.Contains(from, StringComparer.OrdinalIgnoreCase) || IsImageReference(from), file,
                    $"COPY --from={from} (line {instr.Line}) names no earlier stage: fix the stage name");
                continue;
            }
            foreach (var source in rest.Take(rest.Count - 1))
            {
                string path = source.StartsWith("./", StringComparison.Ordinal) ? source[2..] : source;
                path = path.TrimEnd('/');
                copies.Add((instr.Stage, path));
                problems.Check(repo.Exists(path), file,
                    $"{instr.Keyword} source '{source}' (line {instr.Line}) does not exist in the repository: fix the path or remove the line");
                problems.Check(!ignore.Excludes(path), file,
                    $"{instr.Keyword} source '{source}' (line {instr.Line}) is excluded by .dockerignore, so the build cannot see it: remove that pattern");
            }
        }
        return copies;
    }

    private static bool Copied(IEnumerable<(int Stage, string Source)> copies, int stage, string path) =>
        copies.Any(c => c.Stage == stage && (c.Source == path || path.StartsWith(c.Source + "/", StringComparison.Ordinal)));

    private static void CheckPublish(RepoTree repo, Dockerfile df, DockerIgnore ignore, List<(int Stage, string Source)> copies, Problems problems)
    {
        const string file = DeployPaths.Dockerfile;
        var publish = df.Instructions.Where(i => i.Keyword == "RUN")
            .Select(i => (Instr: i, Match: PublishCommand().Match(i.Arguments)))
            .FirstOrDefault(x => x.Match.Success);
        if (publish.Instr is null) { problems.Add(file, "no RUN dotnet publish <project>.csproj: the image would hold no worker"); return; }

        string project = publish.Match.Groups["project"].Value.TrimStart('.', '/');
        int stage = publish.Instr.Stage;
        if (!repo.Exists(project)) { problems.Add(file, $"publishes {project} (line {publish.Instr.Line}), which does not exist: fix the project path"); return; }
        problems.Check(Copied(copies, stage, project) && !ignore.Excludes(project), file,
            $"publishes {project} but the build stage does not COPY it into the context (or .dockerignore hides it): COPY its folder");

        // MSBuild imports Directory.Build.* and what they import without being asked: the build
        // stage must have them, or the build differs from a local one (or fails).
        foreach (var implicitFile in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" }.Where(repo.Exists))
        {
            problems.Check(Copied(copies, stage, implicitFile), file,
                $"the build stage does not COPY {implicitFile}, which MSBuild imports for every project: add it to the COPY of the Directory.* files");
            foreach (Match import in MsBuildImport().Matches(repo.Read(implicitFile)))
            {
                string imported = import.Groups["path"].Value.Replace('\\', '/');
                problems.Check(Copied(copies, stage, imported) && !ignore.Excludes(imported), file,
                    $"{implicitFile} imports {imported}, which the build stage does not COPY (or .dockerignore hides): COPY {imported.Split('/')[0]}/");
            }
        }

        // dotnet /app/reid.dll: the published assembly, at the place the final stage copied the output to.
        string assembly = AssemblyName(repo.Read(project)) ?? Path.GetFileNameWithoutExtension(project);
        var output = PublishOutput().Match(publish.Instr.Arguments);
        string? outputDir = output.Success ? output.Groups["dir"].Value.TrimEnd('/') : null;
        string? stageName = df.Stages[stage].Name;
        string? finalDir = df.In(df.Final, "COPY")
            .Select(i => Dockerfile.SplitFlags(i.Arguments))
            .Where(c => c.Flags.TryGetValue("from", out var f) && string.Equals(f, stageName, StringComparison.OrdinalIgnoreCase)
                        && c.Operands.Count == 2 && c.Operands[0].TrimEnd('/') == outputDir)
            .Select(c => c.Operands[1].TrimEnd('/'))
            .FirstOrDefault();
        problems.Check(finalDir is not null, file,
            $"the final stage does not COPY --from={stageName} the publish output ({outputDir ?? "no -o given"}): copy it into the image");
        var entry = df.In(df.Final, "ENTRYPOINT").Select(i => Dockerfile.ExecForm(i.Arguments)).LastOrDefault();
        string expected = $"{finalDir ?? "/app"}/{assembly}.dll";
        problems.Check(entry is ["dotnet", var dll] && dll == expected, file,
            $"ENTRYPOINT must be [\"dotnet\", \"{expected}\"] (the published {assembly}.dll), found {(entry is null ? "none or shell form" : "[" + string.Join(", ", entry) + "]")}");
    }

    private static void CheckModels(RepoTree repo, Dockerfile df, DockerIgnore ignore, Problems problems)
    {
        const string file = DeployPaths.Dockerfile;
        var models = Directory.Exists(repo.PathOf(DeployPaths.Models))
            ? Directory.GetFiles(repo.PathOf(DeployPaths.Models), "*.onnx").Select(repo.Relative).ToList()
            : [];
        problems.Check(models.Count > 0, DeployPaths.Models, "holds no .onnx model: the image would ship without an embedding model");
        problems.Check(models.Any(m => !ignore.Excludes(m)), DeployPaths.DockerIgnore, "excludes every model: the image would ship without one");

        // The worker's default model, by file name, must be among them and reach the image; other models
        // (the baseline kept for comparisons) may be left out to keep the image small.
        if (repo.Exists(DeployPaths.DefaultModelSource) && DefaultModelName().Match(repo.Read(DeployPaths.DefaultModelSource)) is { Success: true } m)
        {
            string name = m.Groups["name"].Value;
            var model = models.FirstOrDefault(p => Path.GetFileName(p) == name);
            problems.Check(model is not null, DeployPaths.Models,
                $"does not hold {name}, the default model named in {DeployPaths.DefaultModelSource}: add it or change the default");
            if (model is not null)
                problems.Check(!ignore.Excludes(model), DeployPaths.DockerIgnore, $"excludes {model}, the default model: the image would ship without it");
        }

        bool baked = df.In(df.Final, "COPY").Select(i => Dockerfile.SplitFlags(i.Arguments))
            .Any(c => !c.Flags.ContainsKey("from") && c.Operands.Count == 2 && c.Operands[0].TrimEnd('/') == DeployPaths.Models && c.Operands[1].TrimEnd('/') == "/app/models");
        problems.Check(baked, file, "the final stage does not COPY models/ /app/models/: the worker looks for its default model in /app/models");
    }

    private static void CheckRuntime(Dockerfile df, Problems problems)
    {
        const string file = DeployPaths.Dockerfile;
        var final = df.Final;
        var cmd = df.In(final, "CMD").Select(i => Dockerfile.ExecForm(i.Arguments)).LastOrDefault();
        problems.Check(cmd is ["run"], file, "CMD must be [\"run\"]: the container runs the live worker unless told otherwise");

        var facts = FactsOf(df);
        problems.Check(facts.ExposedPorts.Count > 0 && facts.ExposedPorts.All(p => p is > 0 and < 65536), file, "EXPOSE the worker's HTTP port (Reid:Http:Port)");
        if (facts.HealthCheckUrl is null) problems.Add(file, "HEALTHCHECK must probe http://127.0.0.1:<port>/health/live");
        else
        {
            problems.Check(facts.HealthCheckUrl.AbsolutePath == DeployPaths.HealthLive, file,
                $"HEALTHCHECK probes {facts.HealthCheckUrl.AbsolutePath}: use {DeployPaths.HealthLive} (readiness fails while the cameras are down, which restarting the container does not fix)");
            problems.Check(facts.ExposedPorts.Contains(facts.HealthCheckUrl.Port), file,
                $"HEALTHCHECK probes port {facts.HealthCheckUrl.Port} but the image EXPOSEs {string.Join(", ", facts.ExposedPorts)}: make them agree");
        }
        problems.Check(facts.User is { } u && u.Split(':')[0].All(char.IsAsciiDigit) && u.Split(':')[0] != "0", file,
            $"USER must be a numeric, non-root uid (Kubernetes can only verify runAsNonRoot against a number), found '{facts.User}'");
        problems.Check(facts.Volumes.Count > 0, file, "declare the state directory (/var/lib/reid) as a VOLUME");
    }

    internal static Uri? UrlIn(string text) =>
        HttpUrl().Match(text) is { Success: true } m && Uri.TryCreate(m.Value, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>registry/name:tag, name:tag, or registry/name (anything a stage name cannot be).</summary>
    private static bool IsImageReference(string from) => from.Contains('/') || from.Contains(':') || from == "scratch";

    private static string? AssemblyName(string csproj) =>
        AssemblyNameElement().Match(csproj) is { Success: true } m ? m.Groups[1].Value.Trim() : null;

    [GeneratedRegex(@"dotnet\s+publish\s+(?<project>\S+\.csproj)")]
    private static partial Regex PublishCommand();

    [GeneratedRegex(@"\s(?:-o|--output)\s+(?<dir>\S+)")]
    private static partial Regex PublishOutput();

    [GeneratedRegex(@"<Import\s+Project=""\$\(MSBuildThisFileDirectory\)(?<path>[^""]+)""")]
    private static partial Regex MsBuildImport();

    [GeneratedRegex(@"<AssemblyName>([^<]+)</AssemblyName>")]
    private static partial Regex AssemblyNameElement();

    [GeneratedRegex(@"const\s+string\s+FileName\s*=\s*""(?<name>[^""]+\.onnx)""")]
    private static partial Regex DefaultModelName();

    [GeneratedRegex(@"https?://[^\s""']+")]
    private static partial Regex HttpUrl();
}
