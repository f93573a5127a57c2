using System.Diagnostics;
using System.Text.Json;
using OrleansCheckpoint.Grains;
using Xunit;
using Xunit.Abstractions;

namespace OrleansCheckpoint.Tests.Http;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium, headless, driven through playwright-core (tests/Browser). It must
/// plot the job's completed checkpoints — the same ids and durations as <c>GET /jobs/{job}/checkpoints</c> — and a
/// screenshot is kept as a test artifact (in <c>ORLEANSCHECKPOINT_ARTIFACTS</c>, else beside the test assembly).
/// </summary>
[Collection(HttpSiloCollection.Name)]
public sealed class DashboardBrowserTests(HttpSiloFixture silo, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_dashboard_charts_the_completed_checkpoints_with_the_ids_and_durations_of_the_REST_API()
    {
        Assert.True(
            File.Exists(Chromium),
            $"The browser test needs Debian's Chromium at {Chromium}: install it with `apt-get install -y chromium` (.ci/run does).");
        const string job = "http-browser";
        await silo.StartWithCheckpointsAsync(job, completed: 4);
        await silo.Client.GetGrain<IJobManagerGrain>(job).StopAsync(drain: false); // the history stops changing
        using var rest = JsonDocument.Parse(await silo.Http.GetStringAsync($"/jobs/{job}/checkpoints"));
        var completed = rest.RootElement.GetProperty("history").EnumerateArray()
            .Where(c => c.GetProperty("status").GetString() == "completed")
            .Reverse() // oldest first, as the chart's x axis
            .ToList();

        var screenshot = Path.Combine(ArtifactsFolder(), "dashboard.png");
        var shown = await RunBrowserAsync(silo.BaseAddress.ToString().TrimEnd('/'), job, completed.Count, screenshot);

        Assert.Equal(completed.Select(c => c.GetProperty("id").GetInt64()), shown.GetProperty("ids").EnumerateArray().Select(i => i.GetInt64()));
        Assert.Equal(completed.Select(c => c.GetProperty("durationMs").GetDouble()), shown.GetProperty("durations").EnumerateArray().Select(d => d.GetDouble()));
        Assert.Equal(completed.Select(c => c.GetProperty("sizeBytes").GetDouble()), shown.GetProperty("sizes").EnumerateArray().Select(d => d.GetDouble()));
        Assert.True(shown.GetProperty("chartPixels").GetInt32() > 0);
        Assert.Contains($"Latest checkpoint: {completed[^1].GetProperty("id").GetInt64()}", shown.GetProperty("latestTitle").GetString(), StringComparison.Ordinal);
        Assert.Equal(8, shown.GetProperty("latestRows").GetInt32()); // 4 operator chains × parallelism 2
        Assert.Equal(["requests", "window-counts", "endpoint-totals", "endpoint-table"], shown.GetProperty("operators").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("problem").ValueKind);
        Assert.Empty(shown.GetProperty("pageErrors").EnumerateArray());
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is written");
        output.WriteLine($"Screenshot: {screenshot}");
    }

    private static async Task<JsonElement> RunBrowserAsync(string url, string job, int checkpoints, string screenshot)
    {
        var root = HttpApiTests.RepositoryRoot();
        var script = Path.Combine(root, "tests", "Browser", "dashboard-check.mjs");
        var start = new ProcessStartInfo("node", [script, url, job, $"{checkpoints}", screenshot, Chromium])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"The browser script did not finish in 90 s: {await stderr}");
        }

        Assert.True(node.ExitCode == 0, $"The browser script failed ({node.ExitCode}): {await stderr}\n{await stdout}");
        return JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement.Clone();
    }

    private static string ArtifactsFolder() =>
        Directory.CreateDirectory(Environment.GetEnvironmentVariable("ORLEANSCHECKPOINT_ARTIFACTS") is { Length: > 0 } folder
            ? folder
            : Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;
}
