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
return await root.Parse(args).InvokeAsync();
