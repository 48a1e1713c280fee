using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ReId.Core.Events;

namespace ReId.IntegrationTests;

/// <summary>
/// A <c>reid run</c> worker in its own process, as an orchestrator runs it: configured by a JSON file
/// and environment variables, probed over HTTP, stopped with SIGTERM.
/// </summary>
public sealed class RunningReid : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public int Port { get; }
    public string ConfigFile { get; }

    private RunningReid(Process process, int port, string configFile)
    {
        _process = process;
        Port = port;
        ConfigFile = configFile;
        _http.BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    /// <param name="reid">The "Reid" section; Http.Port is set to a free port.</param>
    public static RunningReid Start(string dir, Dictionary<string, object?> reid, IDictionary<string, string>? environment = null)
    {
        int port = FreePort();
        reid["Http"] = new Dictionary<string, object?> { ["Port"] = port };
        string config = Path.Combine(dir, $"reid-{port}.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, object?> { ["Reid"] = reid }));
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ReidProcess.Dll);
        start.ArgumentList.Add("run");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        var process = new Process { StartInfo = start };
        var running = new RunningReid(process, port, config);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public bool HasExited => _process.HasExited;

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(path);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.Message);
        }
    }

    /// <summary>Waits until /health/ready answers 200 (fails the test with the worker's output otherwise).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_process.HasExited) throw new Xunit.Sdk.XunitException($"reid run exited with {_process.ExitCode} before ready:\n{Output}");
            if ((await GetAsync("/health/ready")).Status == HttpStatusCode.OK) return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"reid run was not ready within {timeout}:\n{Output}");
    }

    /// <summary>The sample values of /metrics by series ("name{labels}" as printed), buckets left out.</summary>
    public async Task<Dictionary<string, double>> MetricsAsync()
    {
        var (status, body) = await GetAsync("/metrics");
        Assert.True(status == HttpStatusCode.OK, $"/metrics answered {status}: {body}");
        var values = new Dictionary<string, double>();
        foreach (string line in body.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#' || line.Contains("_bucket{", StringComparison.Ordinal)) continue;
            int space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                values[line[..space]] = v;
        }
        return values;
    }

    public async Task<double> MetricAsync(string series) => (await MetricsAsync()).GetValueOrDefault(series);

    /// <summary>Polls a metric until the condition holds.</summary>
    public async Task<double> WaitMetricAsync(string series, Func<double, bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        double value = double.NaN;
        while (sw.Elapsed < timeout)
        {
            value = await MetricAsync(series);
            if (condition(value)) return value;
            if (_process.HasExited) break;
            await Task.Delay(250);
        }
        throw new TimeoutException($"{series} = {value} did not reach the expected value within {timeout}:\n{Output}");
    }

    /// <summary>Sends SIGTERM (what Docker and Kubernetes send) and waits for the exit code.</summary>
    public int Terminate(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
        if (!_process.WaitForExit(timeout))
            throw new TimeoutException($"reid run did not exit within {timeout} of SIGTERM:\n{Output}");
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        _http.Dispose();
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static List<TrackEvent> ReadJsonl(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(TrackEventJson.Deserialize).ToList();

    /// <summary>Two looped copies of the sample footage, the cameras of most run tests.</summary>
    public static List<Dictionary<string, object?>> LoopedCameras(params string[] ids) =>
        ids.Select(id => new Dictionary<string, object?> { ["Id"] = id, ["Source"] = ReId.TestSupport.SampleFootage.VtestAvi, ["Loop"] = true }).ToList();
}
