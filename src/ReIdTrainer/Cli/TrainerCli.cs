using System.CommandLine;
using ReId.Inference;
using ReIdTrainer.Commands;

namespace ReIdTrainer.Cli;

/// <summary>The <c>reid-train</c> command tree; each command lives in its own file under Commands/.</summary>
public static class TrainerCli
{
    /// <summary>Recursive so every command accepts it after its own name.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log progress and show stack traces of errors",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("reid-train: builds, trains, evaluates and exports re-ID embedding models");
        root.Options.Add(Verbose);
        root.Subcommands.Add(ImportResNet18Command.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(SceneCropsCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(TrackletSplitCommand.Create());
        root.Subcommands.Add(CurvesCommand.Create());
        return root;
    }

    /// <summary>Writers are parameters so tests can see exactly what a user would.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            // Bad options get one line each, like every other trainer error, not the whole help page.
            foreach (var error in parse.Errors) stderr.WriteLine($"reid-train: {error.Message}");
            stderr.WriteLine($"reid-train: see '{CommandPath(parse.CommandResult)} --help'");
            return 1;
        }
        var config = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Our handler below prints one line; the default one prints the whole exception.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return parse.Invoke(config);
        }
        catch (Exception ex)
        {
            bool verbose = parse.Errors.Count == 0 && parse.GetValue(Verbose);
            return Report(ex, verbose, stderr);
        }
    }

    private static string CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new List<string>();
        for (var c = command; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, c.Parent is null ? "reid-train" : c.Command.Name);
        return string.Join(' ', names);
    }

    private static int Report(Exception ex, bool verbose, TextWriter stderr)
    {
        string line = ex switch
        {
            TrainerException or ModelLoadException => ex.Message,
            OperationCanceledException => "cancelled",
            _ => $"unexpected {ex.GetType().Name}: {OneLine(ex.Message)} (run with --verbose for details)",
        };
        stderr.WriteLine($"reid-train: {OneLine(line)}");
        if (verbose) stderr.WriteLine(ex.ToString());
        return ex is OperationCanceledException ? 130 : 1;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
