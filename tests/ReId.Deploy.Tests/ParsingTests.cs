namespace ReId.Deploy.Tests;

/// <summary>The small parsers the checks stand on, on the syntax they must understand.</summary>
public class ParsingTests
{
    [Theory]
    [InlineData("src/ReIdWorker/bin/Release/reid.dll", true)]   // **/bin/
    [InlineData("src/ReIdWorker/Program.cs", false)]
    [InlineData("tests/ReId.Core.Tests/TrackerTests.cs", true)] // a parent directory matches
    [InlineData("README.md", true)]                             // *.md at the root only
    [InlineData("models/MODEL_CARD.md", false)]
    [InlineData("models/resnet18.onnx", false)]
    public void Dockerignore_follows_dockers_matching_rules(string path, bool excluded)
    {
        var ignore = new DockerIgnore("**/bin/\n**/obj/\ntests/\n*.md\n# comment\n");
        Assert.Equal(excluded, ignore.Excludes(path));
    }

    [Fact]
    public void Dockerignore_exceptions_re_include_and_the_last_match_wins()
    {
        var ignore = new DockerIgnore("docs/\n!docs/schemas\ndocs/schemas/old.json\n");
        Assert.True(ignore.Excludes("docs/run.md"));
        Assert.False(ignore.Excludes("docs/schemas/track-event.v1.schema.json"));
        Assert.True(ignore.Excludes("docs/schemas/old.json"));
    }

    [Theory]
    [InlineData("REID__Events__Kafka__BootstrapServers", "Reid:Events:Kafka:BootstrapServers", true)]
    [InlineData("REID__Cameras__3__Source", "Reid:Cameras:3:Source", true)]
    [InlineData("REID__shard__count", "Reid:shard:count", true)] // configuration keys ignore case
    [InlineData("REID__Kafka__BootstrapServers", "Reid:Kafka:BootstrapServers", false)]
    [InlineData("REID__Events_Kafka", "Reid:Events_Kafka", false)]
    public void Environment_variables_map_onto_contract_keys(string name, string key, bool known)
    {
        Assert.Equal(key, ConfigContract.KeyOfEnvironmentVariable(name));
        Assert.Equal(known, ConfigContract.IsContractKey(key));
    }

    [Fact]
    public void Variables_without_the_prefix_are_not_worker_settings()
    {
        Assert.Null(ConfigContract.KeyOfEnvironmentVariable("REID_SERVICE_HOST"));
        Assert.Null(ConfigContract.KeyOfEnvironmentVariable("DOTNET_gcServer"));
    }

    [Theory]
    [InlineData("35s", 35)]
    [InlineData("1m30s", 90)]
    [InlineData("1h", 3600)]
    [InlineData("1500ms", 1.5)]
    public void Compose_durations_parse(string text, double seconds) =>
        Assert.Equal(seconds, ComposeChecks.Duration(text)!.Value.TotalSeconds);

    [Fact]
    public void Compose_durations_reject_garbage() => Assert.Null(ComposeChecks.Duration("35 seconds"));

    [Fact]
    public void Dockerfile_continuations_comments_and_args_resolve()
    {
        var df = Dockerfile.Parse("""
            # syntax=docker/dockerfile:1
            ARG FLAVOR=gpu
            ARG BASE=ubuntu:24.04
            FROM ${BASE} AS base-gpu
            FROM base-${FLAVOR} AS runtime
            ARG UID=1654
            RUN apt-get update \
            # a comment inside a continued RUN is skipped
             && apt-get install -y curl
            USER ${UID}
            """);
        Assert.Equal(["ubuntu:24.04", "base-gpu"], df.Stages.Select(s => s.From));
        var run = Assert.Single(df.Instructions, i => i.Keyword == "RUN");
        Assert.Equal("apt-get update  && apt-get install -y curl", run.Arguments);
        Assert.Equal("1654", df.Substitute(df.In(df.Final, "USER").Single().Arguments, df.Final));
    }
}
