using System.Globalization;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Barrier alignment with one slow input channel: partition 1 of the source stalls while a checkpoint is pending,
/// and partition 0 keeps being pushed. Exactly-once holds the fast channel back (boundedly, no deadlock, an exact
/// cut); at-least-once lets it flow.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AlignmentTests(ClusterFixture fixture)
{
    private const int FastPushes = 60;
    private const int FastBatch = 50;

    /// <summary>What was pushed before the stall: 0..99 to partition 0, 100..199 to partition 1.</summary>
    private static readonly IReadOnlyList<long> BeforeStall = [.. Enumerable.Range(0, 200).Select(n => (long)n)];

    [Fact]
    public async Task A_slow_channel_holds_the_fast_one_back_boundedly_until_its_barrier_arrives_and_the_cut_excludes_what_was_held()
    {
        await using var driver = new JobDriver(fixture.Client, StallingJob.Name);
        var stall = await StallOneChannelDuringACheckpointAsync(driver, CheckpointMode.ExactlyOnce, whileStalled: async (id, run) =>
        {
            Assert.NotNull(run.Held); // the fast channel is held back, and with it its producer …
            Assert.InRange(run.FastPushed.Count / FastBatch, 0, 25); // … after a bounded amount, not buffered without limit
            Assert.Equal(CheckpointStatus.InProgress, (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id).Status);
        });

        var (offsets, counts) = await SnapshotOfAsync(stall.Completed);

        Assert.Equal(new Dictionary<int, long> { [0] = 100, [1] = 101 }, offsets);
        Assert.Equal(CountsByKey(BeforeStall.Append(-1)), counts); // nothing pushed after the barrier
        Assert.True(stall.Completed.Instances.Where(h => h.Task.Operator == "counts").All(h => h.AlignmentMs > 0));
    }

    [Fact]
    public async Task In_at_least_once_mode_a_slow_channel_does_not_hold_the_fast_one_back_and_its_records_are_counted_during_the_checkpoint()
    {
        await using var driver = new JobDriver(fixture.Client, StallingJob.AtLeastOnceName);
        var stall = await StallOneChannelDuringACheckpointAsync(driver, CheckpointMode.AtLeastOnce, whileStalled: async (id, run) =>
        {
            Assert.Null(run.Held); // every push to the fast partition was answered …
            Assert.Equal(FastPushes * FastBatch, run.FastPushed.Count);

            // … and its records were counted while the checkpoint waited for the stalled channel's barrier.
            var expected = CountsByKey(BeforeStall.Concat(run.FastPushed));
            await Eventually.TrueAsync(async () => (await LiveCountsAsync(driver, expected.Keys)).SequenceEqual(expected), "the fast records to be counted");
            Assert.Equal(CheckpointStatus.InProgress, (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id).Status);
        });

        var (offsets, counts) = await SnapshotOfAsync(stall.Completed);

        // Not aligned: the snapshot also holds records pushed to partition 0 after its barrier (at offset 100), which a
        // restore from it would replay and count again — at-least-once.
        Assert.Equal(new Dictionary<int, long> { [0] = 100, [1] = 101 }, offsets);
        Assert.Equal(CountsByKey(BeforeStall.Append(-1).Concat(stall.FastPushed)), counts);
        Assert.Equal(CheckpointMode.AtLeastOnce, (await driver.Manager.GetInfoAsync()).Checkpointing!.Mode);
    }

    /// <summary>
    /// Starts the job (checkpoints only by hand), pushes <see cref="BeforeStall"/>, stalls partition 1 on -1,
    /// triggers a checkpoint, pushes batches to partition 0 until one is not answered within 2 s (or all were),
    /// runs <paramref name="whileStalled"/>, releases the stall and waits for the checkpoint to complete.
    /// </summary>
    private async Task<StallRun> StallOneChannelDuringACheckpointAsync(JobDriver driver, CheckpointMode mode, Func<long, StallRun, Task> whileStalled)
    {
        await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Mode = mode });
        var route = await driver.Manager.GetPushRouteAsync();
        var fast = fixture.Client.GetGrain<ISourceGrain>(route.Partition(0).GrainKey);
        var slow = fixture.Client.GetGrain<ISourceGrain>(route.Partition(1).GrainKey);
        await fast.PushAsync(Numbers("fast", 1, BeforeStall.Take(100)));
        await slow.PushAsync(Numbers("slow", 1, BeforeStall.Skip(100)));
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).RecordsIn == 200, "the first records to be counted");

        StallingJob.Stall.Reset();
        var run = new StallRun();
        long id;
        Task<PushResult> stalling;
        try
        {
            // Partition 1 stalls on -1 (a slow operator blocks its grain, so that push's answer comes after the stall).
            stalling = slow.PushAsync(Numbers("slow", 2, [-1]));
            await Eventually.TrueAsync(() => Task.FromResult(StallingJob.Stalled.IsSet), "partition 1 to stall");
            id = (await driver.Coordinator.TriggerCheckpointAsync())!.Value;
            for (var i = 0; i < FastPushes && run.Held is null; i++)
            {
                var numbers = Enumerable.Range(1_000 + (i * FastBatch), FastBatch).Select(n => (long)n).ToList();
                var push = fast.PushAsync(Numbers("fast", i + 2, numbers));
                if (await Task.WhenAny(push, Task.Delay(TimeSpan.FromSeconds(2))) == push)
                {
                    await push;
                    run.FastPushed.AddRange(numbers);
                }
                else
                {
                    run.Held = push;
                }
            }

            await whileStalled(id, run);
        }
        finally
        {
            StallingJob.Stall.Set();
        }

        await stalling;
        if (run.Held is not null)
        {
            await run.Held; // released once partition 1's barrier arrives: alignment ends, no deadlock
        }

        run.Completed = await Eventually.ValueAsync(
            async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id), c => c.Status == CheckpointStatus.Completed, "the checkpoint to complete");
        return run;
    }

    /// <summary>The source offsets and the counts per key stored in a completed checkpoint.</summary>
    private async Task<(Dictionary<int, long> Offsets, Dictionary<long, long> Counts)> SnapshotOfAsync(CheckpointStats checkpoint)
    {
        var store = fixture.SiloService<SnapshotStore>();
        var offsets = new Dictionary<int, long>();
        var counts = new Dictionary<long, long>();
        foreach (var handle in checkpoint.Instances)
        {
            var snapshot = await store.ReadForRestoreAsync(handle);
            if ((snapshot.Whole?.Operators ?? snapshot.Index!.Operators).SingleOrDefault()?.State is SourceState source)
            {
                offsets[handle.Task.Partition] = source.Offset;
            }
            else
            {
                foreach (var (key, count) in CheckpointTests.KeyedState<long, long>(snapshot, store.Codecs).SelectMany(g => g))
                {
                    counts.Add(key, count);
                }
            }
        }

        return (offsets, counts);
    }

    private static async Task<Dictionary<long, long>> LiveCountsAsync(JobDriver driver, IEnumerable<long> keys)
    {
        var counts = new Dictionary<long, long>();
        foreach (var key in keys)
        {
            var value = (await driver.Manager.QueryAsync(key.ToString(CultureInfo.InvariantCulture), live: true)).ValueJson;
            counts[key] = value is null ? 0 : long.Parse(value, CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>The job's state computed independently: a count per key n mod 4.</summary>
    private static Dictionary<long, long> CountsByKey(IEnumerable<long> numbers) =>
        numbers.GroupBy(n => n % 4).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => (long)g.Count());

    private static PushBatch Numbers(string producer, long sequence, IEnumerable<long> numbers) =>
        new(producer, sequence, 1, numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray());

    /// <summary>What a stall scenario pushed to the fast partition, and how it ended.</summary>
    private sealed class StallRun
    {
        /// <summary>Numbers pushed to partition 0 after the trigger whose pushes were answered.</summary>
        public List<long> FastPushed { get; } = [];

        /// <summary>A push to partition 0 not answered within 2 s (held back), if any.</summary>
        public Task<PushResult>? Held { get; set; }

        public CheckpointStats Completed { get; set; } = null!;
    }
}
