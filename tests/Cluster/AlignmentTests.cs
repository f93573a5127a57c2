using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>Barrier alignment with one slow input channel: bounded holding back, no deadlock, an exact cut.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AlignmentTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_slow_channel_holds_the_fast_one_back_boundedly_until_its_barrier_arrives_and_the_cut_excludes_what_was_held()
    {
        await using var driver = new JobDriver(fixture.Client, StallingJob.Name);
        await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        var route = await driver.Manager.GetPushRouteAsync();
        var fast = fixture.Client.GetGrain<ISourceGrain>(route.Partition(0).GrainKey);
        var slow = fixture.Client.GetGrain<ISourceGrain>(route.Partition(1).GrainKey);
        await fast.PushAsync(Numbers("fast", 1, Enumerable.Range(0, 100)));
        await slow.PushAsync(Numbers("slow", 1, Enumerable.Range(100, 100)));
        await Eventually.ValueAsync(
            async () => (await driver.Manager.GetMetricsAsync(), await driver.Manager.GetInfoAsync()),
            m => m.Item1.RecordsIn == 200,
            "the first records to be counted");

        StallingJob.Stall.Reset();
        long? id;
        var completedPushes = 0;
        Task<PushResult>? held = null;
        Task<PushResult> stalling;
        try
        {
            // Partition 1 stalls on -1 (a slow operator blocks its grain, so that push's answer comes after the stall).
            stalling = slow.PushAsync(Numbers("slow", 2, [-1]));
            await Eventually.TrueAsync(() => Task.FromResult(StallingJob.Stalled.IsSet), "partition 1 to stall");
            id = await driver.Coordinator.TriggerCheckpointAsync();
            for (var i = 0; i < 60 && held is null; i++)
            {
                var push = fast.PushAsync(Numbers("fast", i + 2, Enumerable.Range(1_000 + (i * 50), 50)));
                if (await Task.WhenAny(push, Task.Delay(TimeSpan.FromSeconds(2))) == push)
                {
                    await push;
                    completedPushes++;
                }
                else
                {
                    held = push;
                }
            }

            Assert.NotNull(held); // the fast channel is held back, and with it its producer …
            Assert.InRange(completedPushes, 0, 25); // … after a bounded amount, not buffered without limit
            Assert.Equal(CheckpointStatus.InProgress, (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id).Status);
        }
        finally
        {
            StallingJob.Stall.Set();
        }

        await stalling;
        await held; // released once partition 1's barrier arrives: alignment ends, no deadlock
        var done = await Eventually.ValueAsync(async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id), c => c.Status == CheckpointStatus.Completed, "the checkpoint to complete");

        var store = fixture.SiloService<SnapshotStore>();
        var offsets = new Dictionary<int, long>();
        var counts = new Dictionary<long, long>();
        foreach (var handle in done.Instances)
        {
            var state = (await store.ReadAsync(handle)).Operators.Single().State;
            if (state is SourceState source)
            {
                offsets[handle.Task.Partition] = source.Offset;
            }
            else
            {
                foreach (var (key, count) in ((KeyedStateSnapshot<long, long>)state).Groups.Values.SelectMany(g => g))
                {
                    counts.Add(key, count);
                }
            }
        }

        var beforeBarrier = Enumerable.Range(0, 200).Select(n => (long)n).Append(-1);
        Assert.Equal(new Dictionary<int, long> { [0] = 100, [1] = 101 }, offsets);
        Assert.Equal(beforeBarrier.GroupBy(n => n % 4).ToDictionary(g => g.Key, g => (long)g.Count()), counts);
        Assert.True(done.Instances.Where(h => h.Task.Operator == "counts").All(h => h.AlignmentMs > 0));
    }

    private static PushBatch Numbers(string producer, long sequence, IEnumerable<int> numbers) =>
        new(producer, sequence, 1, numbers.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
}
