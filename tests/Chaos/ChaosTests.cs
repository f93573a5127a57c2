using System.Diagnostics;
using System.Text.Json;
using OrleansCheckpoint.Azurite;
using OrleansCheckpoint.Cli.Chaos;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace OrleansCheckpoint.Tests.Chaos;

/// <summary>
/// Exactly-once against real silo processes on Azure Table membership: a push that survives the SIGKILL of the silo it
/// talks to (with a gateway list, and with membership discovery), and <c>client chaos</c> itself, run as a user runs it,
/// for a few seeds. Every check compares what the job committed with an oracle computed from the pushed clicks alone.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class ChaosTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly string Logs = Directory.CreateTempSubdirectory("chaos-tests-").FullName;

    [Fact]
    public async Task A_push_through_a_gateway_list_survives_the_sigkill_of_its_first_gateway_and_every_click_counts_once()
    {
        string? first = null;
        var result = await RunAsync(seed: 101, cluster =>
        {
            first = cluster.Silos[0].Name;
            return new ConnectionSettings(new GatewayList([.. cluster.Silos.Select(s => new GatewayAddress("127.0.0.1", s.GatewayPort))]), cluster.Name, cluster.Name);
        });

        Assert.True(result.Passed, result.FirstDifference);
        Assert.Equal(1, result.PushAttempts); // the push itself went on: no re-push was needed
        Assert.StartsWith($"{first} ", Assert.Single(result.Faults).Target); // the first gateway of the list
    }

    [Fact]
    public async Task A_push_that_finds_its_gateways_through_membership_survives_the_sigkill_of_a_silo_and_every_click_counts_once()
    {
        var result = await RunAsync(seed: 102, connect: null, kill: FaultKind.KillManagerSilo);

        Assert.True(result.Passed, result.FirstDifference);
        Assert.Equal(1, result.PushAttempts);
        var fault = Assert.Single(result.Faults);
        Assert.Equal("kill-manager-silo", fault.Kind);

        // The manager comes back on the other silo; the job restarts only when the killed silo ran instances too (placement
        // decides: one CI run placed none there), and then its recovery is measured.
        Assert.True(result.Restarts == 0 || fault.RecoveryMs is not null, $"{result.Restarts} restarts, but no recovery time measured");
    }

    [Fact]
    public async Task A_killed_silo_that_refuses_connections_is_declared_dead_at_once_not_left_to_membership_probes()
    {
        // Orleans' own probing: 5 s probe timeout, 3 missed probes, the table read every minute.
        var slowProbes = new Dictionary<string, string>
        {
            ["Silo:Membership:ProbeTimeout"] = "00:00:05",
            ["Silo:Membership:NumMissedProbesLimit"] = "3",
            ["Silo:Membership:TableRefreshTimeout"] = "00:01:00",
        };
        var result = await RunAsync(seed: 103, connect: null, slowProbes, FaultKind.KillManagerSilo);

        Assert.True(result.Passed, result.FirstDifference);
        var logs = Directory.GetFiles(result.Logs, "*.log").SelectMany(File.ReadLines);
        Assert.Contains(logs, line => line.Contains("refuses connections (its process is gone): declaring it dead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Client_chaos_run_as_a_user_runs_it_passes_its_seeds_and_reports_each_fault_it_injected()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "client.dll"), "chaos", "--seeds", "1..2", "--json" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[AzuriteProcess.ConnectionStringVariable] = azurite.ConnectionString;
        using var chaos = Process.Start(start)!;
        var stdout = chaos.StandardOutput.ReadToEndAsync();
        var stderr = chaos.StandardError.ReadToEndAsync();
        await chaos.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        output.WriteLine(await stderr);

        Assert.True(chaos.ExitCode == 0, $"exit code {chaos.ExitCode}: {await stderr}");
        var report = JsonDocument.Parse(await stdout).RootElement;
        Assert.Equal(2, report.GetProperty("passed").GetInt32());
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        foreach (var seed in report.GetProperty("seeds").EnumerateArray())
        {
            var planned = FaultPlan.For(seed.GetProperty("seed").GetInt32(), ChaosSettings.DefaultEvents, ChaosSettings.DefaultSilos);
            var faults = seed.GetProperty("faults").EnumerateArray().ToList();
            Assert.Equal(planned.Select(f => f.AtEvent), faults.Select(f => f.GetProperty("at_event").GetInt64())); // the seed's schedule, all of it
            Assert.All(faults, f => Assert.DoesNotContain("could not be injected", f.GetProperty("target").GetString()));
            Assert.True(seed.GetProperty("restarts").GetInt32() >= 1);
        }
    }

    /// <summary>One seed with one fault pinned: the first silo of the cluster (or the job manager's) SIGKILLed once 40% of the clicks were acknowledged.</summary>
    private async Task<SeedResult> RunAsync(
        int seed, Func<ChaosCluster, ConnectionSettings>? connect, IReadOnlyDictionary<string, string>? siloSettings = null, FaultKind kill = FaultKind.KillSilo)
    {
        var settings = new ChaosSettings([seed], Silos: 2, Events: 12_000, Parallelism: 2, Rate: 1_000);
        var run = new ChaosRun(settings, azurite.ConnectionString, Guid.NewGuid().ToString("N")[..6], Logs, output.WriteLine)
        {
            Faults = [new PlannedFault(kill, AtEvent: 4_800, Target: 0)],
            Connect = connect,
            SiloSettings = siloSettings,
        };
        var result = await run.RunAsync(seed, CancellationToken.None);
        output.WriteLine(JsonSerializer.Serialize(result));
        return result;
    }
}

[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Chaos";
}
