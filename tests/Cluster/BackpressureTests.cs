using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>A producer faster than the job is slowed down, not buffered: acceptance stops at a bound while a consumer stalls.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BackpressureTests(ClusterFixture fixture)
{
    [Fact]
    public async Task While_an_operator_is_stalled_pushes_stop_completing_after_a_bounded_number_and_resume_when_it_drains()
    {
        const int batchSize = 100;
        const int attempts = 60;
        await using var driver = new JobDriver(fixture.Client, GatedJob.Name);
        await driver.StartAsync(parallelism: 1);
        var source = await driver.SourceAsync(0);
        GatedJob.Gate.Reset();
        var completed = 0;
        Task<PushResult>? stalled = null;
        try
        {
            for (var i = 0; i < attempts && stalled is null; i++)
            {
                var lines = Enumerable.Range(i * batchSize, batchSize).Select(n => n.ToString()).ToArray();
                var push = source.PushAsync(new PushBatch("fast-producer", i + 1, (i * batchSize) + 1, lines));
                if (await Task.WhenAny(push, Task.Delay(TimeSpan.FromSeconds(2))) == push)
                {
                    await push;
                    completed++;
                }
                else
                {
                    stalled = push;
                }
            }
        }
        finally
        {
            GatedJob.Gate.Set();
        }

        Assert.NotNull(stalled); // the producer was held back …
        Assert.InRange(completed, 1, 20); // … after a bounded amount: the channel credits, not the whole input
        Assert.Equal(batchSize, (await stalled).Accepted); // and the held push completes once the operator drains
        await driver.DrainAsync();
        Assert.Equal((completed + 1) * batchSize, (await driver.Manager.GetMetricsAsync()).RecordsIn);
    }
}
