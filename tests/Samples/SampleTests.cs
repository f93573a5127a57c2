using System.Diagnostics;
using OrleansCheckpoint.Cli.Chaos;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace OrleansCheckpoint.Tests.Samples;

/// <summary>
/// The sample in <c>samples/Sessionization</c>, built as a user builds it: against the packages <c>dotnet pack</c> makes of
/// this build (a version of their own, in a folder of their own), its own silo host run as a process on Azurite, and its
/// producer app, which sends seeded page views with <see cref="IEventProducer"/>, drains the job and checks every user's
/// committed sessions against sessions it computes from the views alone.
/// </summary>
[Collection(SamplesCollection.Name)]
public sealed class SampleTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly string[] Packages = ["OrleansCheckpoint.Abstractions", "OrleansCheckpoint.Runtime", "OrleansCheckpoint.Client"];

    [Fact]
    public async Task The_sessionization_sample_builds_against_the_packed_packages_and_its_sessions_equal_the_oracle()
    {
        var work = Directory.CreateTempSubdirectory("sample-e2e-").FullName;
        var (feed, version) = await PackAsync(work, [.. Packages.Select(p => Path.Combine("src", p, $"{p}.csproj"))]);
        var sample = Path.Combine(Root, "samples", "Sessionization");
        foreach (var project in new[] { "Sessionization.Silo", "Sessionization.Producer" })
        {
            await RunAsync("dotnet", ["build", Path.Combine(sample, project), "-c", "Release", $"-p:OrleansCheckpointVersion={version}", $"-p:RestoreAdditionalProjectSources={feed}"]);
        }

        Assert.Contains(version, File.ReadAllText(Path.Combine(sample, "Sessionization.Producer", "obj", "project.assets.json"))); // built on the packages, not the projects

        var name = $"sample{Guid.NewGuid():N}"[..16];
        await using var silo = await SiloProcess.StartAsync(
            name,
            new Dictionary<string, string>
            {
                ["OrleansCheckpoint:Storage:ConnectionString"] = azurite.ConnectionString,
                ["OrleansCheckpoint:Storage:JobsContainer"] = $"{name}-jobs",
                ["OrleansCheckpoint:Storage:IngestContainer"] = $"{name}-ingest",
                ["OrleansCheckpoint:Storage:CheckpointsContainer"] = $"{name}-snapshots",
                ["OrleansCheckpoint:Storage:OutputContainer"] = $"{name}-output",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            Path.Combine(work, "silo.log"),
            CancellationToken.None,
            Path.Combine(sample, "Sessionization.Silo", "bin", "Release", "net10.0", "Sessionization.Silo.dll"));

        var producer = await RunAsync(
            "dotnet",
            [Path.Combine(sample, "Sessionization.Producer", "bin", "Release", "net10.0", "Sessionization.Producer.dll"), "--gateway", $"127.0.0.1:{silo.GatewayPort}", "--views", "20000"]);

        Assert.Contains("PASS", producer);
        Assert.Contains("produced 20000 views", producer);
    }

    [Fact]
    public async Task The_command_line_packs_as_the_dotnet_tool_orleans_checkpoint_that_installs_and_runs_its_commands()
    {
        var work = Directory.CreateTempSubdirectory("tool-e2e-").FullName;
        var (feed, version) = await PackAsync(work, Path.Combine("client", "OrleansCheckpoint.Cli.csproj"));
        var tools = Path.Combine(work, "tools");
        await RunAsync("dotnet", ["tool", "install", "orleans-checkpoint", "--tool-path", tools, "--add-source", feed, "--version", version]);
        var help = await RunAsync(Path.Combine(tools, "orleans-checkpoint"), ["--help"]);

        foreach (var command in new[] { "demo", "push", "start", "stop", "savepoint", "checkpoints", "chaos", "bench" })
        {
            Assert.Contains($"  {command}", help);
        }

        Directory.Delete(work, recursive: true);
    }

    /// <summary>Packs <paramref name="projects"/> (paths from the repository's root) of this build, under a version of their own, into a folder in <paramref name="work"/>.</summary>
    private async Task<(string Feed, string Version)> PackAsync(string work, params string[] projects)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var version = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmssfff}"; // the NuGet cache keeps a version once: every run packs a new one
        var feed = Path.Combine(work, "packages");
        foreach (var project in projects)
        {
            await RunAsync("dotnet", ["pack", Path.Combine(Root, project), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={version}"]);
        }

        return (feed, version);
    }

    private async Task<string> RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        output.WriteLine($"$ {file} {string.Join(' ', arguments)}{Environment.NewLine}{await stdout}{await stderr}");
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stdout}{await stderr}");
        return await stdout;
    }

    private static string Root { get; } = RepositoryRoot();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansCheckpoint.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no OrleansCheckpoint.sln above {AppContext.BaseDirectory}");
    }
}

[CollectionDefinition(Name)]
public sealed class SamplesCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Samples";
}
