using System.Text.Json;
using OrleansCheckpoint.Cli.Demo;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// <c>client demo</c> end to end, as the README's first command runs it (smaller): it starts its own Azurite (or uses
/// <c>AZURITE_CONN</c>) and silo, and its per-endpoint totals must be what a LINQ count over the same seeded requests says.
/// </summary>
public sealed class DemoRunTests
{
    [Fact]
    public async Task The_demo_passes_and_its_totals_per_endpoint_match_an_independent_count_of_the_pushed_requests()
    {
        var run = await ClientCommandLineRun.RunAsync(
            ["demo", "--events", "3000", "--rate", "0", "--seed", "7", "--json"],
            (_, _) => throw new InvalidOperationException("the demo connects to the silo it starts itself"));

        Assert.True(run.ExitCode == 0, $"demo exited {run.ExitCode}: {run.Error}\n{run.Out}");
        var report = JsonDocument.Parse(run.Json).RootElement;
        Assert.True(report.GetProperty("passed").GetBoolean());
        Assert.Equal(3000, report.GetProperty("eventsPushed").GetInt64());
        var expected = RequestOracle.Totals(new RequestGenerator(seed: 7, DemoSettings.EventTimeRate, DemoSettings.LateFraction).Take(3000));
        var endpoints = report.GetProperty("endpoints").EnumerateArray().ToDictionary(e => e.GetProperty("endpoint").GetString()!, e => e.GetProperty("queried"));
        Assert.Equal(RequestGenerator.Endpoints.Order(), endpoints.Keys.Order());
        foreach (var (endpoint, queried) in endpoints)
        {
            Assert.Equal(expected.GetValueOrDefault(endpoint), queried.ValueKind == JsonValueKind.Null ? 0 : queried.GetInt64());
        }

        var windowSum = report.GetProperty("windowCountSum").GetInt64();
        Assert.Equal(3000, windowSum + report.GetProperty("lateEventsDropped").GetInt64());
    }
}
