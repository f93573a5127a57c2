using System.Diagnostics;
using System.Text.Json;
using OrleansCheckpoint.Azurite;
using OrleansCheckpoint.Client.Chaos;
using OrleansCheckpoint.Client.Connection;
using Xunit;
using Xunit.Abstractions;

namespace OrleansCheckpoint.Tests.Chaos;

/// <summary>
/// Exactly-once against real silo processes on Azure Table membership: a push that survives the SIGKILL of the silo it
/// talks to (with a gateway list, and with membership discovery), and <c>client chaos</c> itself, run as a user runs it,
/// for a few seeds. Every check compares what the job committed with an oracle computed from the pushed clicks alone.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class ChaosTests(ChaosFixture fixture, ITestOutputHelper output)
{
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
        var result = await RunAsync(seed: 102, connect: null);

        Assert.True(result.Passed, result.FirstDifference);
        Assert.Equal(1, result.PushAttempts);
        Assert.NotNull(Assert.Single(result.Faults).RecoveryMs); // the silo ran instances of the job: it restarted
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
        start.Environment[AzuriteProcess.ConnectionStringVariable] = fixture.Storage;
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

    /// <summary>One seed with one fault pinned: the first silo of the cluster SIGKILLed once 40% of the clicks were acknowledged.</summary>
    private async Task<SeedResult> RunAsync(int seed, Func<ChaosCluster, ConnectionSettings>? connect)
    {
        var settings = new ChaosSettings([seed], Silos: 2, Events: 12_000, Parallelism: 2, Rate: 1_000);
        var run = new ChaosRun(settings, fixture.Storage, Guid.NewGuid().ToString("N")[..6], fixture.Directory, output.WriteLine)
        {
            Faults = [new PlannedFault(FaultKind.KillSilo, AtEvent: 4_800, Target: 0)],
            Connect = connect,
        };
        var result = await run.RunAsync(seed, CancellationToken.None);
        output.WriteLine(JsonSerializer.Serialize(result));
        return result;
    }
}

/// <summary>Azurite for the chaos tests (the CI's, or one of their own), and a folder for the silos' logs.</summary>
public sealed class ChaosFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string Storage { get; private set; } = string.Empty;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("chaos-tests-").FullName;

    public async Task InitializeAsync() =>
        Storage = AzuriteProcess.ExistingConnectionStringFromEnvironment() ?? (_azurite = await AzuriteProcess.StartAsync()).ConnectionString;

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChaosCollection : ICollectionFixture<ChaosFixture>
{
    public const string Name = "Chaos";
}
