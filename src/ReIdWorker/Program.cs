using System.CommandLine;
using ReIdWorker.Cli;

// reid: the person re-identification worker. Subcommands: run (the live worker), replay (recorded footage),
// eval-mot (MOTChallenge metrics), synth-scene (synthetic multi-camera scenes with ground truth),
// bench (per-stage throughput), doctor (environment checks).
var verbose = new Option<bool>("--verbose", "-v") { Description = "Log details and show stack traces", Recursive = true };
var root = new RootCommand("ReIdWorker: detect, track and re-identify people across cameras and time.")
{
    ReplayCommand.Create(verbose),
    RunCommand.Create(verbose),
    BenchCommand.Create(verbose),
    DoctorCommand.Create(verbose),
    EvalMotCommand.Create(verbose),
    EvalSceneCommand.Create(verbose),
    SynthSceneCommand.Create(verbose),
};
root.Options.Add(verbose);
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
{
    // A mistyped or missing option is bad input like any other: one line each and exit code 2,
    // not the whole help page on stdout and exit code 1.
    foreach (var error in parse.Errors) Console.Error.WriteLine($"reid: error: {error.Message}");
    Console.Error.WriteLine($"reid: see '{CommandPath(parse.CommandResult)} --help'");
    return ExitCodes.BadInput;
}
return await parse.InvokeAsync();

static string CommandPath(System.CommandLine.Parsing.CommandResult command)
{
    var names = new List<string>();
    for (var c = command; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        names.Insert(0, c.Parent is null ? "reid" : c.Command.Name);
    return string.Join(' ', names);
}
