using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ReId.Core.Evaluation;
using ReIdWorker.Replay;
using Spectre.Console;

namespace ReIdWorker.Cli;

/// <summary>
/// <c>reid eval-scene --scene DIR --replay DIR</c>: scores a replay of a <c>reid synth-scene</c> scene
/// (or any footage with the same ground-truth layout) per camera with MOT metrics and across cameras
/// with the cross-camera identity score and the multi-camera IDF1 (MTMC, all cameras as one sequence),
/// the repeatable measure of tracking and re-identification.
/// </summary>
public static class EvalSceneCommand
{
    private sealed record SceneCamera(string Id, string GroundTruth);

    public static Command Create(Option<bool> verbose)
    {
        var scene = new Option<string>("--scene") { Description = "Scene folder written by `reid synth-scene` (identities.json, <cam>/gt/gt.txt)", Required = true };
        var replay = new Option<string>("--replay") { Description = "Output folder of `reid replay` run on the scene's videos with --camera-id set to the scene's camera ids", Required = true };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file" };
        var command = new Command("eval-scene", "Score a replay of a synthetic scene: MOT metrics per camera, and global identity across cameras (consistency, impurity, multi-camera IDF1)") { scene, replay, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse.GetValue(verbose), async (_, token) =>
        {
            string sceneDir = parse.GetValue(scene)!, replayDir = parse.GetValue(replay)!;
            var (cameras, truth) = ReadScene(sceneDir);
            var predictedPerson = FinalIdentities.Read(Path.Combine(replayDir, "events.jsonl"), "--replay");

            var perCamera = new List<MotSequenceResult>();
            var identityData = new List<CameraIdentityData>();
            foreach (var camera in cameras)
            {
                string predPath = Path.Combine(replayDir, ReplayRunner.SafeName(camera.Id), "tracks.txt");
                if (!File.Exists(predPath))
                    throw new UserInputException($"replay '{replayDir}' has no tracks for camera '{camera.Id}' ({predPath}); replay the scene with --camera-id {string.Join(' ', cameras.Select(c => c.Id))}");
                var gt = MotChallengeFile.Read(camera.GroundTruth);
                var pred = MotChallengeFile.Read(predPath);
                perCamera.Add(MotEvaluator.Evaluate(camera.Id, gt, pred, MotRules.Mot15, camera.GroundTruth));
                identityData.Add(new CameraIdentityData(camera.Id, gt, pred,
                    truth.Where(t => t.Key.Camera == camera.Id).ToDictionary(t => t.Key.GtId, t => t.Value),
                    predictedPerson.Where(p => p.Key.Camera == camera.Id).ToDictionary(p => p.Key.Track, p => p.Value)));
            }
            var cross = CrossCameraIdentityScore.Compute(identityData);
            var mtmc = cross.MultiCamera.Identity;

            var table = new Table().AddColumns("camera", "MOTA", "IDF1", "HOTA", "IDSW", "Recall", "Precision");
            foreach (var r in perCamera)
                table.AddRow(r.Name, F(r.Clear.Mota), F(r.Identity.Idf1), F(r.Hota.Hota), r.Clear.IdSwitches.ToString(CultureInfo.InvariantCulture), F(r.Clear.Recall), F(r.Clear.Precision));
            AnsiConsole.Write(table);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cross-camera: {cross.ConsistentPeople} of {cross.MultiCameraPeople} people seen in 2+ cameras keep one global id ({F(cross.Consistency)}); " +
                $"{cross.ImpureIdentities} of {cross.Identities} global ids cover more than one person ({F(cross.Impurity)}); " +
                $"MTMC IDF1 {F(mtmc.Idf1)} (IDP {F(mtmc.Idp)}, IDR {F(mtmc.Idr)}; IDTP {mtmc.IdTruePositives}, IDFP {mtmc.IdFalsePositives}, IDFN {mtmc.IdFalseNegatives} " +
                $"over {cross.MultiCamera.People} people and {cross.MultiCamera.PredictedIds} predicted ids, all cameras jointly)"));

            if (parse.GetValue(json) is { } jsonPath)
            {
                var doc = new
                {
                    cameras = perCamera.Select(r => new { camera = r.Name, mota = r.Clear.Mota, idf1 = r.Identity.Idf1, hota = r.Hota.Hota, idSwitches = r.Clear.IdSwitches, recall = r.Clear.Recall, precision = r.Clear.Precision }),
                    crossCamera = new
                    {
                        cross.ConsistentPeople, cross.MultiCameraPeople, consistency = cross.Consistency, cross.ImpureIdentities, cross.Identities, impurity = cross.Impurity, cross.MatchedTracks, cross.UnmatchedTracks,
                        // MTMC identity metrics: all cameras scored as one sequence, real people against global ids.
                        multiCamera = new
                        {
                            idf1 = mtmc.Idf1, idp = mtmc.Idp, idr = mtmc.Idr,
                            idTruePositives = mtmc.IdTruePositives, idFalsePositives = mtmc.IdFalsePositives, idFalseNegatives = mtmc.IdFalseNegatives,
                            people = cross.MultiCamera.People, predictedIds = cross.MultiCamera.PredictedIds,
                        },
                    },
                };
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(doc, new JsonSerializerOptions
                {
                    WriteIndented = true,
                    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
                }), token);
                Console.WriteLine($"figures written to {Path.GetFullPath(jsonPath)}");
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>The scene's cameras and which real person each (camera, gt id) is.</summary>
    private static (List<SceneCamera> Cameras, Dictionary<(string Camera, int GtId), string> Truth) ReadScene(string sceneDir)
    {
        string path = Path.Combine(sceneDir, "identities.json");
        if (!File.Exists(path))
            throw new UserInputException($"'{path}' does not exist; pass --scene with a folder written by `reid synth-scene`");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var cameras = doc.RootElement.GetProperty("cameras").EnumerateArray()
                .Select(c => new SceneCamera(c.GetProperty("id").GetString()!, Path.Combine(sceneDir, c.GetProperty("gt").GetString()!)))
                .ToList();
            var truth = doc.RootElement.GetProperty("tracks").EnumerateArray().ToDictionary(
                t => (t.GetProperty("camera").GetString()!, t.GetProperty("gtId").GetInt32()),
                t => t.GetProperty("personId").ToString());
            return (cameras, truth);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new UserInputException($"'{path}' is not a scene description ({ex.Message}); pass --scene with a folder written by `reid synth-scene`");
        }
    }
}
