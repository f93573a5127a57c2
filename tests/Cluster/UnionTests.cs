using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// <c>Union</c>: a vertex with two inputs. Its barriers align over both and its watermark is the lower of theirs; under an
/// instance lost mid-run, the windows and totals equal what the clicks alone give.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UnionTests(ClusterFixture fixture)
{
    [Fact]
    public void A_union_is_a_vertex_of_its_own_reading_each_input_one_to_one()
    {
        var builder = new JobBuilder("u");
        new UnionClicksJob().Build(builder);
        var plan = PhysicalPlan.Build(builder.Build(), parallelism: 3, maxParallelism: 128);

        var union = plan["merged"];
        Assert.Equal(["merged"], union.Chain.Select(t => t.Uid));
        Assert.Equal(["even", "odd"], union.Inputs.Select(i => plan.Vertices[i.UpstreamVertex].Uid));
        Assert.All(union.Inputs, i => Assert.Equal(Partitioning.Forward, i.Edge.Partitioning));
        Assert.Equal(2, union.InputChannelCount); // one channel per input: instance p reads instance p of each
        Assert.Throws<InvalidJobGraphException>(() => new JobBuilder("v").Source("s", long.Parse).Union("alone"));
    }

    [Fact]
    public async Task Windows_and_totals_over_a_union_are_exact_when_an_instance_after_it_is_lost_mid_run()
    {
        await using var driver = new JobDriver(fixture.Client, UnionClicksJob.Name);
        await driver.StartAsync(parallelism: 2, Manual);
        var (a, b) = (Slice(0), Slice(1));
        await PushClicksAsync(driver, a, "a");
        var checkpoint = await driver.CheckpointAsync();
        await PushClicksAsync(driver, b, "b");

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{UnionClicksJob.Name}/merged/1"));
        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
        Assert.Equal(checkpoint, info.RestoredCheckpoint);
        await DrainAndCheckAsync(fixture, driver, UnionClicksJob.Name, a.Concat(b));
    }
}
