using System.Text.Json;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Client;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// A job's consistency function on a real cluster (<see cref="LedgerJob"/>: "no balance is negative"): a withdrawal
/// larger than its balance declines the checkpoints taken while it stands, with the rule's words in
/// <c>client checkpoints</c>; tolerated, the job keeps running and checkpoints complete again once a deposit mends the
/// balance; not tolerated, the job fails over to its last good checkpoint. Either way the committed balances equal the
/// sums of the pushed transfers.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class ConsistencyFunctionTests(FailureClusterFixture fixture)
{
    private const string Overdrawn = "acct-7";

    [Fact]
    public async Task A_passing_violation_declines_checkpoints_with_its_message_and_they_complete_again_once_it_holds()
    {
        await using var driver = new JobDriver(fixture.Client, LedgerJob.Name);
        await driver.StartAsync(parallelism: 2, Manual with { TolerableFailures = 5 });
        var (deposits, withdrawal, mend, more) = Transfers(seed: 11);

        await driver.PushAsync(deposits, retryFor: RetryFor);
        var good = await CheckpointAsync(driver);
        Assert.Equal(CheckpointStatus.Completed, good.Status);
        await driver.PushAsync(withdrawal, retryFor: RetryFor);
        var declined = new[] { await CheckpointAsync(driver), await CheckpointAsync(driver) };
        await driver.PushAsync(mend, retryFor: RetryFor);
        var mended = await CheckpointAsync(driver);

        Assert.All(declined, c => Assert.Equal(CheckpointStatus.Aborted, c.Status));
        Assert.All(declined, c => Assert.Contains($"invariant '{LedgerJob.Rule}' does not hold for key {Overdrawn}", c.FailureReason));
        Assert.Equal(CheckpointStatus.Completed, mended.Status);
        var info = await driver.Manager.GetInfoAsync();
        Assert.Equal((JobStatus.Running, 0, mended.Id), (info.Status, info.Restarts, info.LastCompletedCheckpoint));

        // What `client checkpoints` shows of a declined one: the rule's own words.
        var listed = await ClientCommandLineRun.RunAsync(fixture.Client, "checkpoints", LedgerJob.Name, "--json");
        var entry = JsonDocument.Parse(listed.Json).RootElement.EnumerateArray().Single(c => c.GetProperty("id").GetInt64() == declined[0].Id);
        Assert.Contains(LedgerJob.Rule, entry.GetProperty("failureReason").GetString());
        Assert.Contains($"{LedgerJob.Name}/balances/", entry.GetProperty("failureReason").GetString());

        await driver.PushAsync(more, retryFor: RetryFor);
        await AssertBalancesAsync(driver, [.. deposits, .. withdrawal, .. mend, .. more]);
    }

    [Fact]
    public async Task A_violation_beyond_the_tolerated_failures_fails_the_job_over_to_its_last_good_checkpoint()
    {
        await using var driver = new JobDriver(fixture.Client, LedgerJob.StrictName);
        await driver.StartAsync(parallelism: 2, Manual with { TolerableFailures = 0 });
        var (deposits, withdrawal, mend, more) = Transfers(seed: 13);

        await driver.PushAsync(deposits, retryFor: RetryFor);
        var good = await CheckpointAsync(driver);
        await driver.PushAsync(withdrawal, retryFor: RetryFor);
        var declined = await CheckpointAsync(driver);
        var info = await RecoveredAsync(driver);

        Assert.Equal(CheckpointStatus.Aborted, declined.Status);
        Assert.Equal(good.Id, info.RestoredCheckpoint);
        Assert.Contains(LedgerJob.Rule, info.LastFailure);
        await driver.PushAsync(mend, retryFor: RetryFor); // the replayed withdrawal stands until this deposit
        Assert.Equal(CheckpointStatus.Completed, (await CheckpointAsync(driver)).Status);
        await driver.PushAsync(more, retryFor: RetryFor);
        await AssertBalancesAsync(driver, [.. deposits, .. withdrawal, .. mend, .. more]);
    }

    /// <summary>
    /// Seeded deposits over ten accounts; then a withdrawal that overdraws <see cref="Overdrawn"/> by 1,000 (among more
    /// deposits to the others); then a deposit of 2,000 that mends it; then more deposits.
    /// </summary>
    private static (List<string> Deposits, List<string> Withdrawal, List<string> Mend, List<string> More) Transfers(int seed)
    {
        var random = new Random(seed);
        List<string> Deposits(int count, bool overdrawnToo) => [.. Enumerable.Range(0, count)
            .Select(_ => $"acct-{random.Next(10)}")
            .Where(a => overdrawnToo || a != Overdrawn)
            .Select(a => LedgerJob.Line(a, random.Next(1, 100)))];
        var deposits = Deposits(2_000, overdrawnToo: true);
        var balance = long.Parse(LedgerJob.Balances(deposits)[Overdrawn], System.Globalization.CultureInfo.InvariantCulture);
        List<string> withdrawal = [.. Deposits(1_000, overdrawnToo: false), LedgerJob.Line(Overdrawn, -(balance + 1_000))];
        List<string> mend = [LedgerJob.Line(Overdrawn, 2_000), .. Deposits(1_000, overdrawnToo: false)];
        return (deposits, withdrawal, mend, Deposits(1_000, overdrawnToo: true));
    }

    /// <summary>Triggers a checkpoint (once the job takes one) and waits until it has completed or failed.</summary>
    private static async Task<CheckpointStats> CheckpointAsync(JobDriver driver)
    {
        var id = await Eventually.ValueAsync(() => driver.Coordinator.TriggerCheckpointAsync(), id => id is not null, "a checkpoint to start", TimeSpan.FromSeconds(60));
        return await Eventually.ValueAsync(
            async () => (await driver.Coordinator.GetCheckpointsAsync()).FirstOrDefault(c => c.Id == id),
            c => c is { Status: not CheckpointStatus.InProgress },
            $"checkpoint {id} to end",
            TimeSpan.FromSeconds(60)) ?? throw new InvalidOperationException("unreachable");
    }

    private static async Task AssertBalancesAsync(JobDriver driver, IReadOnlyList<string> pushed)
    {
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        var expected = LedgerJob.Balances(pushed);
        var committed = new Dictionary<string, string>();
        foreach (var account in expected.Keys)
        {
            var result = await driver.Manager.QueryAsync(account);
            Assert.True(result.Committed);
            committed[account] = result.ValueJson!;
        }

        Assert.Equal(expected, committed);
    }
}
