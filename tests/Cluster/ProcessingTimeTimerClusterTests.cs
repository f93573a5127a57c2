using System.Text.Json;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Processing-time timers on the cluster (<see cref="ProcessingTimeTotalsJob"/>): every key's total, emitted by a timer
/// after all its records arrived, is committed to part files once and equals the total of its records — also when the
/// process operator's instance is lost after a checkpoint that holds pending processing-time timers, whose timers then
/// came due while it was down.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProcessingTimeTimerClusterTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_keys_total_is_committed_once_when_the_instance_is_lost_with_timers_pending_in_its_checkpoint(bool incremental)
    {
        var job = incremental ? ProcessingTimeTotalsJob.Name : ProcessingTimeTotalsJob.WholeName;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual with { Incremental = incremental });
        var random = new Random(14);
        var keys = Enumerable.Range(0, 60).Select(k =>
        {
            var count = random.Next(4, 20);
            return Enumerable.Range(0, count).Select(_ => new Tally($"k{k:D2}", random.Next(1, 1_000), count)).ToList();
        }).ToList();
        var halves = keys[..40].Select(t => (Head: t[..(t.Count / 2)], Tail: t[(t.Count / 2)..])).ToList();

        // Keys 0-39 half there (their timers re-arm until the rest comes), 40-49 whole: checkpoints until one holds the
        // totals of 40-49, so their timers fired before it and those of 0-39 fired and re-armed.
        await PushAsync(driver, [.. halves.SelectMany(h => h.Head), .. keys[40..50].SelectMany(t => t)], "first");
        long checkpoint = 0;
        await Eventually.TrueAsync(
            async () => (checkpoint = await driver.CheckpointAsync()) > 0 && (await CommittedAsync(job)).Count >= 10, "keys 40-49 to be committed");
        var pending = (await SnapshotInspectTests.EntriesAsync(fixture.Client.GetGrain<ISnapshotInspectorGrain>(job), checkpoint, "totals"))
            .Where(e => e.State == "processing-timers").Select(SnapshotInspectTests.KeyOf).Order(StringComparer.Ordinal);
        Assert.Equal(halves.Select(h => h.Head[0].Key), pending); // a timer for each half-there key, none for a key done
        await PushAsync(driver, halves.SelectMany(h => h.Tail), "rest");
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorInstanceGrain>($"{job}/totals/1"));
        var info = await Eventually.ValueAsync(
            () => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
        Assert.Equal(checkpoint, info.RestoredCheckpoint);
        await PushAsync(driver, keys[50..].SelectMany(t => t), "last");

        // Timers do not fire at the end of the input: drain once every key's total is committed.
        await Eventually.TrueAsync(
            async () => await driver.CheckpointAsync() > 0 && (await CommittedAsync(job)).Count >= keys.Count, "every key's total to be committed");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        var committed = await CommittedAsync(job);
        Assert.Empty(committed.GroupBy(t => t.Key).Where(g => g.Count() > 1).Select(g => g.Key)); // each once
        Assert.Equal(
            keys.Select(t => new KeyTotal(t[0].Key, t.Sum(x => x.Amount), t.Count, "ProcessingTime")).OrderBy(t => t.Key, StringComparer.Ordinal),
            committed.OrderBy(t => t.Key, StringComparer.Ordinal));
    }

    private static Task<long> PushAsync(JobDriver driver, IEnumerable<Tally> tallies, string producer) =>
        driver.PushAsync(
            tallies.Select(t => JsonSerializer.Serialize(t, JsonSerializerOptions.Web)),
            batchSize: 100,
            retryFor: ClickWindows.RetryFor,
            producer: producer);

    private async Task<List<KeyTotal>> CommittedAsync(string job) =>
        [.. (await fixture.OutputFilesAsync($"{job}/total-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<KeyTotal>(line, JsonSerializerOptions.Web)!)];
}
