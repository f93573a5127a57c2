using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>Bad input gets an error that names the problem; the job keeps running and loses nothing it accepted.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture fixture)
{
    [Fact]
    public async Task An_unknown_job_name_is_refused_with_the_list_of_registered_jobs()
    {
        var manager = fixture.Client.GetGrain<IJobManagerGrain>("no-such-job");

        var error = await Assert.ThrowsAsync<JobNotFoundException>(() => manager.StartAsync(new JobStartOptions()));

        Assert.Contains("'no-such-job'", error.Message);
        Assert.Contains("rc-oracle", error.Message);
    }

    [Fact]
    public async Task Malformed_and_incomplete_events_reject_their_batch_naming_the_lines_and_the_job_keeps_what_it_accepted()
    {
        await using var driver = new JobDriver(fixture.Client, "rc-bad-input");
        await driver.StartAsync(parallelism: 2);
        var good = new RequestGenerator(seed: 5).Take(1_000).Select(RequestGenerator.ToJsonLine).ToList();
        await driver.PushAsync(good);
        var source = await driver.SourceAsync(0);
        string[] bad =
        [
            RequestGenerator.ToJsonLine(new Request("/api/orders", "u1", RequestGenerator.Start)),
            "{\"endpoint\": \"/api/orders\", \"user\": ",
            "{\"endpoint\": \"/api/orders\", \"timestamp\": \"2026-11-24T10:00:01.250Z\"}",
            "{\"endpoint\": \"/api/orders\", \"user\": \"u2\", \"timestamp\": \"yesterday\"}",
        ];

        var error = await Assert.ThrowsAsync<InvalidEventsException>(() => source.PushAsync(new PushBatch("bad-producer", 1, FirstLine: 41, bad)));

        Assert.Equal([42L, 43L, 44L], error.Errors.Select(e => e.Line));
        Assert.Contains("user", error.Errors[1].Reason); // the missing field is named
        Assert.Contains("line 42", error.Message);
        Assert.Equal(JobStatus.Running, (await driver.Manager.GetInfoAsync()).Status);
        await driver.PushAsync(good.Take(10)); // still accepts events
        await driver.DrainAsync();
        var metrics = await driver.Manager.GetMetricsAsync();
        Assert.Equal(1_010, metrics.EventsAccepted); // nothing of the bad batch, everything of the good ones
        var orders = good.Concat(good.Take(10)).Count(l => l.Contains("\"/api/orders\""));
        Assert.Equal(orders.ToString(), (await driver.Manager.QueryAsync("/api/orders")).ValueJson);
    }

    [Fact]
    public async Task An_oversized_batch_is_refused_with_the_limit_and_the_setting_to_change()
    {
        await using var driver = new JobDriver(fixture.Client, "rc-oversized");
        await driver.StartAsync(parallelism: 1);
        var source = await driver.SourceAsync(0);
        var lines = new RequestGenerator(seed: 9).Take(2_001).Select(RequestGenerator.ToJsonLine).ToArray();

        var error = await Assert.ThrowsAsync<BatchTooLargeException>(() => source.PushAsync(new PushBatch("big", 1, 1, lines)));

        Assert.Contains("2001 events", error.Message);
        Assert.Contains("MaxBatchEvents", error.Message);
        Assert.Equal(0, (await driver.Manager.GetMetricsAsync()).EventsAccepted);
        Assert.Equal(2_000, await driver.PushAsync(lines.Take(2_000), batchSize: 2_000)); // at the limit: accepted
    }

    [Fact]
    public async Task Pushing_to_a_stopped_job_is_refused_as_not_running_and_a_restart_accepts_again()
    {
        var driver = new JobDriver(fixture.Client, "rc-stopped");
        await driver.StartAsync(parallelism: 1);
        var route = await driver.Manager.GetPushRouteAsync();
        var source = fixture.Client.GetGrain<ISourceGrain>(route.Partition(0).GrainKey);
        var line = RequestGenerator.ToJsonLine(new Request("/api/cart", "u1", RequestGenerator.Start));
        await source.PushAsync(new PushBatch("p", 1, 1, [line]));

        var stopped = await driver.Manager.StopAsync(drain: false);
        var routeError = await Assert.ThrowsAsync<JobNotRunningException>(() => driver.Manager.GetPushRouteAsync());
        var pushError = await Assert.ThrowsAsync<JobNotRunningException>(() => source.PushAsync(new PushBatch("p", 2, 2, [line])));

        Assert.Equal(JobStatus.Stopped, stopped.Status);
        Assert.Contains("'rc-stopped' is not running", routeError.Message);
        Assert.Contains("Stopped", pushError.Message);
        var restarted = await driver.Manager.StartAsync(new JobStartOptions(1));
        Assert.Equal(stopped.Generation + 1, restarted.Generation);
        Assert.Equal(1, (await source.PushAsync(new PushBatch("p", 3, 3, [line]))).Accepted);
        await driver.DisposeAsync();
    }

    [Fact]
    public async Task An_invalid_parallelism_is_refused_naming_the_option()
    {
        var manager = fixture.Client.GetGrain<IJobManagerGrain>("rc-restart");

        var error = await Assert.ThrowsAsync<InvalidJobSettingsException>(() => manager.StartAsync(new JobStartOptions(Parallelism: 0)));

        Assert.Contains("--parallelism 0", error.Message);
    }
}
