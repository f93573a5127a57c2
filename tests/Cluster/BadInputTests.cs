using System.Text;
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
    public async Task An_oversized_batch_is_refused_with_the_limit_and_the_setting_to_change_and_what_was_accepted_before_stays()
    {
        await using var driver = new JobDriver(fixture.Client, "rc-oversized");
        await driver.StartAsync(parallelism: 1);
        var source = await driver.SourceAsync(0);
        var lines = new RequestGenerator(seed: 9).Take(2_001).Select(RequestGenerator.ToJsonLine).ToArray();
        var good = new RequestGenerator(seed: 10).Take(700).Select(RequestGenerator.ToJsonLine).ToList();
        Assert.Equal(700, await driver.PushAsync(good));

        var error = await Assert.ThrowsAsync<BatchTooLargeException>(() => source.PushAsync(new PushBatch("big", 1, 1, lines)));

        Assert.Contains("2001 events", error.Message);
        Assert.Contains("MaxBatchEvents", error.Message);
        Assert.Equal(700, (await driver.Manager.GetMetricsAsync()).EventsAccepted);
        Assert.Equal(2_000, await driver.PushAsync(lines.Take(2_000), batchSize: 2_000)); // at the limit: accepted
        await driver.DrainAsync();
        var expected = good.Concat(lines.Take(2_000)).Count(l => l.Contains("\"/api/cart\"", StringComparison.Ordinal));
        Assert.Equal(expected.ToString(), (await driver.Manager.QueryAsync("/api/cart")).ValueJson);
    }

    [Fact]
    public async Task A_batch_over_the_byte_limit_in_utf8_is_refused_even_when_its_characters_are_under_it()
    {
        await using var driver = new JobDriver(fixture.Client, "rc-bytes");
        await driver.StartAsync(parallelism: 1);
        var source = await driver.SourceAsync(0);
        var good = new RequestGenerator(seed: 12).Take(300).Select(RequestGenerator.ToJsonLine).ToList();
        Assert.Equal(300, await driver.PushAsync(good));

        // 400 requests from users with 1,000-character names in a 3-byte script: about 0.42 M characters but 1.22 MB
        // in UTF-8, over the fixture's MaxBatchBytes of 1 MiB.
        var wide = Enumerable.Range(0, 400)
            .Select(i => RequestGenerator.ToJsonLine(new Request("/api/search", new string('漢', 1_000) + i, RequestGenerator.Start)))
            .ToArray();
        var characters = wide.Sum(l => (long)l.Length);
        var bytes = wide.Sum(l => (long)Encoding.UTF8.GetByteCount(l));
        Assert.True(characters < 1 << 20 && bytes > 1 << 20, $"{characters} characters, {bytes} bytes");

        var error = await Assert.ThrowsAsync<BatchTooLargeException>(() => source.PushAsync(new PushBatch("wide", 1, 1, wide)));

        Assert.Contains($"({bytes} bytes)", error.Message);
        Assert.Contains("MaxBatchBytes", error.Message);
        Assert.Equal(100, await driver.PushAsync(wide.Take(100))); // a quarter of it fits
        await driver.DrainAsync();
        Assert.Equal(400, (await driver.Manager.GetMetricsAsync()).EventsAccepted);
        var searches = good.Count(l => l.Contains("\"/api/search\"", StringComparison.Ordinal)) + 100;
        Assert.Equal(searches.ToString(), (await driver.Manager.QueryAsync("/api/search")).ValueJson);
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
        Assert.Equal(1, (await source.PushAsync(new PushBatch("p", 2, 2, [line]))).Accepted);
        await driver.DrainAsync();
        Assert.Equal("2", (await driver.Manager.QueryAsync("/api/cart")).ValueJson); // the event from before the stop, and the one after
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
