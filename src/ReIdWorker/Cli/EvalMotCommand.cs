using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ReId.Core.Evaluation;
using ReIdWorker.Replay;
using Spectre.Console;

namespace ReIdWorker.Cli;

/// <summary>
/// <c>reid eval-mot --gt GT --pred PRED</c>: scores tracker output in MOTChallenge format against ground truth
/// with CLEAR MOT, identity (IDF1) and HOTA metrics, as TrackEval (the MOTChallenge evaluator) computes them.
/// GT and PRED are two files, or two folders in the MOTChallenge layout (<c>GT/&lt;seq&gt;/gt/gt.txt</c> and
/// <c>PRED/&lt;seq&gt;.txt</c>), in which case every sequence and their combination are reported.
/// With <c>--events</c> (the replay's events.jsonl) it also scores the global person ids: re-identification over
/// time in one camera, where a person who leaves and comes back should get their id back.
/// </summary>
public static class EvalMotCommand
{
    private sealed record SequenceFiles(string Name, string GroundTruth, string Predictions);

    public static Command Create(Option<bool> verbose)
    {
        var gt = new Option<string>("--gt") { Description = "Ground truth: a MOTChallenge gt.txt, or a folder of <seq>/gt/gt.txt", Required = true };
        var pred = new Option<string>("--pred") { Description = "Tracker output: a MOTChallenge file, or a folder of <seq>.txt", Required = true };
        var json = new Option<string?>("--json") { Description = "Also write every metric (per alpha for HOTA) to this JSON file" };
        var rules = new Option<string>("--rules")
        {
            Description = "Ground-truth conventions: mot15 (flag 0 rows ignored), mot17 (plus pedestrians only, distractor matches removed), mot20 (mot17 plus non-MOT vehicles as distractors), or auto (from the class column and sequence name)",
            DefaultValueFactory = _ => "auto",
        };
        rules.AcceptOnlyFromAmong("auto", "mot15", "mot17", "mot20");
        var events = new Option<string?>("--events")
        {
            Description = "events.jsonl of the `reid replay` that wrote PRED: also score its global person ids (each track under its final id), " +
                          "i.e. whether a person who leaves and returns gets their id back. Needs --people where the ground truth gives a returning person a new id",
        };
        var people = new Option<string?>("--people")
        {
            Description = "With --events: which ground-truth ids are one person, as gt_id,person lines (e.g. tests/data/PETS09-S2L1/people.csv); " +
                          "without it every ground-truth id is a person of its own",
        };
        var camera = new Option<string?>("--camera") { Description = "Camera of --events to score (default: the only one, or PRED's folder name)" };
        var command = new Command("eval-mot", "Score MOTChallenge tracker output against ground truth: CLEAR MOT, IDF1 and HOTA") { gt, pred, json, rules, events, camera, people };

        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(verbose), async (_, token) =>
        {
            string? jsonPath = parse.GetValue(json);
            // Say so before the evaluation, not after it.
            if (jsonPath is not null && Path.GetDirectoryName(Path.GetFullPath(jsonPath)) is { } jsonDir && !Directory.Exists(jsonDir))
                throw new UserInputException($"--json {jsonPath}: folder {jsonDir} does not exist; create it or pass another path");
            var sequences = Discover(parse.GetValue(gt)!, parse.GetValue(pred)!);
            string? eventsPath = parse.GetValue(events);
            if (eventsPath is not null && (sequences.Count != 1 || Directory.Exists(parse.GetValue(pred))))
                throw new UserInputException($"--events {eventsPath}: global ids are scored for one camera at a time; pass --gt and --pred as two files");
            string? peoplePath = parse.GetValue(people);
            if (peoplePath is not null && eventsPath is null)
                throw new UserInputException($"--people {peoplePath}: it says which ground-truth ids are one person for scoring global ids; pass --events too");
            var truePeople = peoplePath is null ? null : ReadPeople(peoplePath, sequences[0]);
            MotRules? forced = parse.GetValue(rules) switch
            {
                "mot15" => MotRules.Mot15,
                "mot17" => MotRules.Mot17,
                "mot20" => MotRules.Mot20,
                _ => null,
            };

            var results = new List<MotSequenceResult>();
            foreach (var s in sequences)
            {
                token.ThrowIfCancellationRequested();
                results.Add(MotEvaluator.Evaluate(s.Name, MotChallengeFile.Read(s.GroundTruth), MotChallengeFile.Read(s.Predictions), forced, s.GroundTruth));
            }
            var overall = MotEvaluator.Combine(results);

            Print(results, results.Count > 1 ? overall : null);
            GlobalIdentityResult? global = null;
            if (eventsPath is not null)
            {
                global = ScoreGlobalIds(sequences[0], eventsPath, parse.GetValue(camera), truePeople);
                PrintGlobal(global);
            }
            if (jsonPath is not null)
            {
                await WriteJsonAsync(jsonPath, sequences, results, overall, global, token);
                Console.WriteLine($"metrics written to {Path.GetFullPath(jsonPath)}");
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static List<SequenceFiles> Discover(string gtPath, string predPath)
    {
        bool gtIsFile = File.Exists(gtPath), gtIsDir = Directory.Exists(gtPath);
        bool predIsFile = File.Exists(predPath), predIsDir = Directory.Exists(predPath);
        if (!gtIsFile && !gtIsDir) throw new UserInputException($"--gt {gtPath}: no such file or folder; pass a MOTChallenge gt.txt or a folder of <seq>/gt/gt.txt");
        if (!predIsFile && !predIsDir) throw new UserInputException($"--pred {predPath}: no such file or folder; pass a MOTChallenge tracker file or a folder of <seq>.txt");

        if (gtIsFile && predIsFile) return [new SequenceFiles(SequenceName(gtPath), gtPath, predPath)];
        if (gtIsFile != predIsFile)
            throw new UserInputException($"--gt {gtPath} and --pred {predPath}: pass two files (one sequence) or two folders (<seq>/gt/gt.txt and <seq>.txt), not one of each");

        var found = Directory.EnumerateDirectories(gtPath)
            .Select(dir => new { Name = Path.GetFileName(dir), File = Path.Combine(dir, "gt", "gt.txt") })
            .Where(s => File.Exists(s.File))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        if (found.Count == 0)
            throw new UserInputException($"--gt {gtPath}: no <seq>/gt/gt.txt below this folder; use the MOTChallenge layout or pass a single gt file");

        var sequences = new List<SequenceFiles>();
        foreach (var s in found)
        {
            string predFile = Path.Combine(predPath, s.Name + ".txt");
            if (!File.Exists(predFile))
                throw new UserInputException($"--pred {predPath}: no {s.Name}.txt for ground-truth sequence {s.Name}; write one file per sequence (empty if the tracker found nobody)");
            sequences.Add(new SequenceFiles(s.Name, s.File, predFile));
        }
        return sequences;
    }

    /// <summary>"MOT17-02/gt/gt.txt" and "TUD-Campus/gt.txt" are named after their folder; other files after themselves.</summary>
    private static string SequenceName(string gtFile)
    {
        var full = Path.GetFullPath(gtFile);
        var dir = Path.GetDirectoryName(full);
        if (!Path.GetFileName(full).Equals("gt.txt", StringComparison.OrdinalIgnoreCase) || dir is null)
            return Path.GetFileNameWithoutExtension(full);
        if (Path.GetFileName(dir).Equals("gt", StringComparison.OrdinalIgnoreCase) && Path.GetDirectoryName(dir) is { } seqDir)
            return Path.GetFileName(seqDir);
        return Path.GetFileName(dir);
    }

    private static void Print(List<MotSequenceResult> results, MotSequenceResult? overall)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        // Redirected output has no terminal width; keep rows on one line for logs and diffs.
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        var rows = overall is null ? results : [.. results, overall];

        var clear = new Table().Title("CLEAR MOT (IoU >= 0.5; MOTP = mean IoU of matches)");
        clear.AddColumn("Sequence");
        foreach (var h in new[] { "Rules", "MOTA", "MOTP", "Rcll", "Prcn", "GT", "MT", "PT", "ML", "FP", "FN", "IDSW", "Frag" })
            clear.AddColumn(new TableColumn(h).RightAligned());
        foreach (var r in rows)
        {
            var c = r.Clear;
            clear.AddRow(Markup.Escape(r.Name), r.Rules?.DisplayName() ?? "mixed", Pct(c.Mota), Pct(c.Motp), Pct(c.Recall), Pct(c.Precision),
                Int(c.GtTracks), Int(c.MostlyTracked), Int(c.PartiallyTracked), Int(c.MostlyLost),
                Int(c.FalsePositives), Int(c.FalseNegatives), Int(c.IdSwitches), Int(c.Fragmentations));
        }
        console.Write(clear);

        var identity = new Table().Title("Identity and HOTA (HOTA averaged over alpha 0.05..0.95)");
        identity.AddColumn("Sequence");
        foreach (var h in new[] { "IDF1", "IDP", "IDR", "HOTA", "DetA", "AssA", "LocA", "DetRe", "DetPr", "AssRe", "AssPr" })
            identity.AddColumn(new TableColumn(h).RightAligned());
        foreach (var r in rows)
        {
            var (id, h) = (r.Identity, r.Hota);
            identity.AddRow(Markup.Escape(r.Name), Pct(id.Idf1), Pct(id.Idp), Pct(id.Idr),
                Pct(h.Hota), Pct(h.DetA), Pct(h.AssA), Pct(h.LocA), Pct(h.DetRe), Pct(h.DetPr), Pct(h.AssRe), Pct(h.AssPr));
        }
        console.Write(identity);

        foreach (var r in results.Where(r => r.GtRowsIgnored > 0 || r.PredRowsRemoved > 0))
            console.WriteLine($"{r.Name}: {r.GtRowsIgnored} ground-truth rows ignored, {r.PredRowsRemoved} predictions on distractors removed");
    }

    /// <summary>Global person ids of one camera scored against ground truth whose ids are people.</summary>
    private sealed record GlobalIdentityResult(string Camera, string EventsFile, CrossCameraIdentityResult Score);

    /// <summary>The --people file, checked against the sequence's ground truth before anything is scored.</summary>
    private static IReadOnlyDictionary<int, string> ReadPeople(string path, SequenceFiles sequence)
    {
        IReadOnlyDictionary<int, string> people;
        try
        {
            people = GroundTruthPeople.Read(path);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--people {ex.Message}");
        }
        if (GroundTruthPeople.Check(people, MotChallengeFile.Read(sequence.GroundTruth), path) is { } problem)
            throw new UserInputException($"--people {problem} (ground truth {sequence.GroundTruth})");
        return people;
    }

    private static GlobalIdentityResult ScoreGlobalIds(SequenceFiles sequence, string eventsPath, string? cameraOption,
        IReadOnlyDictionary<int, string>? people)
    {
        var final = FinalIdentities.Read(eventsPath, "--events");
        var cameras = final.Keys.Select(k => k.Camera).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        // replay writes <out>/<camera>/tracks.txt, so the folder of PRED names its camera.
        string predFolder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(sequence.Predictions))) ?? "";
        string cameraId = cameraOption
            ?? (cameras.Count == 1 ? cameras[0] : cameras.FirstOrDefault(c => ReplayRunner.SafeName(c) == predFolder))
            ?? throw new UserInputException($"--events {eventsPath}: cameras {string.Join(", ", cameras)}; say which one --pred is with --camera");
        if (!cameras.Contains(cameraId, StringComparer.Ordinal))
            throw new UserInputException($"--events {eventsPath}: no identified track of camera '{cameraId}' (cameras: {string.Join(", ", cameras)}); pass the events of the replay that wrote --pred, or --camera");

        var gt = MotChallengeFile.Read(sequence.GroundTruth);
        var data = new CameraIdentityData(cameraId, gt, MotChallengeFile.Read(sequence.Predictions),
            // MOTChallenge keeps an id while its person is hidden in the view, not when they walk into it again:
            // only --people can say that two ids are one person.
            gt.Select(r => r.Id).Distinct().ToDictionary(id => id,
                id => people?.GetValueOrDefault(id) is { } person ? "person:" + person : "gt:" + id.ToString(CultureInfo.InvariantCulture)),
            final.Where(kv => kv.Key.Camera == cameraId).ToDictionary(kv => kv.Key.Track, kv => kv.Value));
        return new GlobalIdentityResult(cameraId, eventsPath, CrossCameraIdentityScore.Compute([data]));
    }

    private static void PrintGlobal(GlobalIdentityResult g)
    {
        var s = g.Score;
        var id = s.MultiCamera.Identity;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"global ids ({g.Camera}, final ids from {g.EventsFile}): IDF1 {Pct(id.Idf1)} (IDP {Pct(id.Idp)}, IDR {Pct(id.Idr)}) over {s.MultiCamera.People} people and " +
            $"{s.MultiCamera.PredictedIds} predicted ids; {s.IdentifiedPeople - s.SplitPeople} of {s.IdentifiedPeople} identified people keep one id, " +
            $"{s.ImpureIdentities} of {s.Identities} ids cover more than one person"));
    }

    private static string Pct(double fraction) => (100 * fraction).ToString("0.0", CultureInfo.InvariantCulture);
    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task WriteJsonAsync(string path, List<SequenceFiles> files, List<MotSequenceResult> results, MotSequenceResult overall,
        GlobalIdentityResult? global, CancellationToken ct)
    {
        var document = new
        {
            conventions = new
            {
                matchIou = 0.5,
                motp = "mean IoU of matched pairs, as TrackEval and the MOTChallenge site report it; py-motmetrics reports 1 - motp",
                mostlyTracked = "matched in more than 80% of its frames; mostly lost: less than 20%",
                hota = "means over alphas; per-alpha arrays follow hotaAlphas",
                hotaAlphas = HotaMetrics.Alphas,
            },
            sequences = results.Select((r, i) => new { gtFile = files[i].GroundTruth, predFile = files[i].Predictions, result = r }),
            overall,
            globalIds = global is null ? null : new
            {
                camera = global.Camera,
                eventsFile = global.EventsFile,
                idf1 = global.Score.MultiCamera.Identity.Idf1,
                idp = global.Score.MultiCamera.Identity.Idp,
                idr = global.Score.MultiCamera.Identity.Idr,
                people = global.Score.MultiCamera.People,
                predictedIds = global.Score.MultiCamera.PredictedIds,
                identifiedPeople = global.Score.IdentifiedPeople,
                splitPeople = global.Score.SplitPeople,
                identities = global.Score.Identities,
                impureIdentities = global.Score.ImpureIdentities,
            },
        };
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Converters = { new JsonStringEnumConverter() },
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        try
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, options), ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"--json {path}: cannot write ({ex.Message}); pass a writable path");
        }
    }
}
