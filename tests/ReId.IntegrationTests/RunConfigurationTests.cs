using Microsoft.Extensions.Configuration;
using ReIdWorker.Live;

namespace ReId.IntegrationTests;

/// <summary>
/// `reid run` configuration: the keys the deployment files use, their sources (file, REID__ variables,
/// cameras file, HOSTNAME) and the one-line errors with exit code 2 for bad values.
/// </summary>
public class RunConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-runconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Bad_keys_and_values_exit_2_with_one_line_naming_each_key()
    {
        string config = Write("bad.json", """
            { "Reid": {
                "Cameras": [ { "Id": "a", "Source": "/no/such/video.avi" }, { "Id": "a", "Sourse": "x" } ],
                "Device": "gpu", "Detector": "yolo:/no/such.onnx", "Tracker": "sort", "MatchThreshold": 1.5, "StaticIou": 1.5,
                "Shard": { "Count": 2, "Index": 5 },
                "Gallery": { "Kind": "milvus" },
                "Embedder": { "MaxBatch": 0 },
                "Live": { "BufferFrames": 0 },
                "ShutdownTimeoutSeconds": -1 } }
            """);
        var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", config);
        Assert.True(result.ExitCode == 2, result.ToString());
        string[] lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (string key in new[] { "Reid:Cameras:1:Sourse is not a known setting", "Reid:Cameras:0:Source '/no/such/video.avi' (camera 'a') does not exist",
                     "Reid:Cameras:1:Id 'a' is used by another camera", "Reid:Cameras:1:Source is empty", "Reid:Device 'gpu'", "Reid:Detector 'yolo:/no/such.onnx'", "Reid:Tracker 'sort'", "Reid:MatchThreshold 1.5", "Reid:StaticIou 1.5",
                     "Reid:Shard:Index 5 is outside 0..1", "Reid:Gallery:Kind 'milvus'", "Reid:Embedder:MaxBatch 0", "Reid:Live:BufferFrames 0",
                     "Reid:ShutdownTimeoutSeconds -1" })
            Assert.True(lines.Count(l => l.StartsWith("reid: error: " + key, StringComparison.Ordinal)) == 1, $"no single line for {key}:\n{result}");
        Assert.DoesNotContain("   at ", result.StdErr); // no stack trace without --verbose
    }

    [Fact]
    public void Overlapping_cameras_must_be_groups_of_configured_cameras()
    {
        string lone = Write("lone.json", """{ "Reid": { "Cameras": [ { "Id": "a", "Source": "/dev/video0" } ], "OverlappingCameras": [ "a" ] } }""");
        var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", lone);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("reid: error: Reid:OverlappingCameras: overlapping cameras 'a' name fewer than two cameras", result.StdErr);

        string ghost = Write("ghost.json", """{ "Reid": { "Cameras": [ { "Id": "a", "Source": "/dev/video0" } ], "OverlappingCameras": [ "a,ghost" ] } }""");
        result = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", ghost);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("reid: error: Reid:OverlappingCameras names camera 'ghost', which is not in Reid:Cameras", result.StdErr);
    }

    [Fact]
    public void A_camera_password_never_reaches_the_error_line()
    {
        string config = Write("secret.json", """
            { "Reid": { "Cameras": [ { "Id": "gate", "Source": "rtsp://admin:s3cret@127.0.0.1:1/stream", "Loop": true } ] } }
            """);
        var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", config);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("reid: error: Reid:Cameras:0:Loop is set but 'rtsp://admin:***@127.0.0.1:1/stream' is not a file", result.StdErr);
        Assert.DoesNotContain("s3cret", result.StdErr + result.StdOut);
    }

    [Fact]
    public void Environment_variables_with_the_REID_prefix_land_in_the_Reid_section()
    {
        // The file is valid; the variables make it invalid, so the errors prove where they were mapped.
        string config = Write("ok.json", $$"""{ "Reid": { "Cameras": [ { "Id": "a", "Source": "{{ReId.TestSupport.SampleFootage.VtestAvi}}" } ] } }""");
        var result = RunWithEnvironment(config, new()
        {
            ["REID__Embedder__MaxBatch"] = "5000",
            ["REID__Cameras__0__Source"] = "/env/video.avi",
            ["REID__Events__Kafka__Topic"] = "bad topic!",
            ["REID__Events__Kafka__BootstrapServers"] = "kafka:9092",
        });
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("reid: error: Reid:Embedder:MaxBatch 5000 is out of range", result.StdErr);
        Assert.Contains("reid: error: Reid:Cameras:0:Source '/env/video.avi'", result.StdErr);
        Assert.Contains("reid: error: Reid:Events:Kafka:Topic", result.StdErr);
    }

    [Fact]
    public void A_value_of_the_wrong_type_and_a_missing_config_file_are_named()
    {
        string config = Write("type.json", """{ "Reid": { "Shard": { "Count": "three" } } }""");
        var typed = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", config);
        Assert.True(typed.ExitCode == 2, typed.ToString());
        Assert.Contains("'Reid:Shard:Count'", typed.StdErr);

        var missing = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", Path.Combine(_dir, "absent.json"));
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("--config '", missing.StdErr);
        Assert.Contains("absent.json' does not exist", missing.StdErr);
    }

    [Fact]
    public void A_missing_model_stops_the_worker_with_exit_2()
    {
        string config = Write("model.json", $$"""
            { "Reid": { "Model": "{{Path.Combine(_dir, "missing.onnx")}}",
                        "Cameras": [ { "Id": "a", "Source": "{{ReId.TestSupport.SampleFootage.VtestAvi}}" } ] } }
            """);
        var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", config);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Reid:Model", result.StdErr);
        Assert.Contains("missing.onnx", result.StdErr);
    }

    [Fact]
    public void A_taken_http_port_exits_2_naming_the_key_without_starting_any_camera()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            string config = Write("port.json", $$"""
                { "Reid": { "Cameras": [ { "Id": "a", "Source": "{{ReId.TestSupport.SampleFootage.VtestAvi}}", "Loop": true } ],
                            "Events": { "JsonlPath": "{{Path.Combine(_dir, "events.jsonl")}}" },
                            "Gallery": { "Path": "{{Path.Combine(_dir, "gallery.bin")}}" },
                            "Http": { "Port": {{port}} } } }
                """);
            var result = ReidProcess.Run(TimeSpan.FromMinutes(1), "run", "--config", config);
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains($"reid: error: Reid:Http:Port {port} cannot be used", result.StdErr);
            Assert.DoesNotContain("reading", result.StdOut); // no camera was opened
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public void Cameras_file_is_merged_and_hostname_ordinal_picks_the_shard()
    {
        string video = ReId.TestSupport.SampleFootage.VtestAvi;
        string cameras = Write("cameras.json", $$"""{ "Cameras": [ { "Id": "gate", "Source": "{{video}}" }, { "Id": "lobby", "Source": "rtsp://cam/lobby" } ] }""");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reid:CamerasFile"] = cameras,
            ["Reid:Cameras:0:Id"] = "entrance",
            ["Reid:Cameras:0:Source"] = video,
            ["Reid:Shard:Count"] = "3",
        }).Build();
        var (options, problems) = RunConfiguration.Load(configuration, new Dictionary<string, string?> { ["HOSTNAME"] = "reid-2" });
        Assert.Empty(problems);
        Assert.Equal(["entrance", "gate", "lobby"], options.Cameras.Select(c => c.Id));
        Assert.Equal(2, options.Shard.Index);
        Assert.Equal("reid-2", options.WorkerId);
        // Every camera belongs to exactly one of the 3 shards.
        var shards = Enumerable.Range(0, 3).Select(i =>
        {
            options.Shard.Index = i;
            return RunConfiguration.CamerasOfShard(options).Select(c => c.Id!).ToList();
        }).ToList();
        Assert.Equal(options.Cameras.Select(c => c.Id!).Order(), shards.SelectMany(s => s).Order());

        var (_, badFile) = RunConfiguration.Load(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reid:CamerasFile"] = Path.Combine(_dir, "none.json"),
        }).Build(), new Dictionary<string, string?> { ["HOSTNAME"] = "edge" });
        Assert.Contains(badFile, p => p.StartsWith("Reid:CamerasFile '", StringComparison.Ordinal) && p.Contains("does not exist"));
    }

    [Fact]
    public void Shards_use_fnv1a_of_the_camera_id()
    {
        // Published FNV-1a 32-bit test vectors: the shard of a camera must not depend on the runtime.
        Assert.Equal(0x811c9dc5u, RunConfiguration.StableHash(""));
        Assert.Equal(0xe40c292cu, RunConfiguration.StableHash("a"));
        Assert.Equal(0xbf9cf968u, RunConfiguration.StableHash("foobar"));
        Assert.Equal(2, RunConfiguration.TrailingOrdinal("reid-2"));
        Assert.Null(RunConfiguration.TrailingOrdinal("edge"));
    }

    private static ReidResult RunWithEnvironment(string config, Dictionary<string, string> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { ReidProcess.Dll, "run", "--config", config }) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("reid run did not exit");
        }
        return new ReidResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
