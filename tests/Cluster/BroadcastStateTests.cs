using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Broadcast state on the cluster, the fraud-detection pattern: limits per category change over time on a broadcast
/// stream; each payment is checked against the limit of its category in force at the payment's time (the rules are kept
/// as versions in broadcast state, and a payment waits for the watermark to pass its time, so the answer does not depend
/// on which input arrives first). The alerts equal those computed from the input alone, each once — also when every
/// instance of the checking operator is lost after a checkpoint and restores its broadcast and keyed state.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BroadcastStateTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Alerts_against_broadcast_limits_equal_the_oracle_and_are_committed_once_when_the_instances_are_lost()
    {
        const string job = LimitAlertsJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var signals = Signals(seed: 9, count: 6_000);

        await PushAsync(driver, signals[..2_500], "first");
        var checkpoint = await driver.CheckpointAsync();
        await PushAsync(driver, signals[2_500..3_500], "second");
        var info = await fixture.LoseInstancesAsync(driver, $"{job}/limit-check/0", $"{job}/limit-check/1");
        Assert.Equal(checkpoint, info.RestoredCheckpoint);
        await PushAsync(driver, signals[3_500..], "rest");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        var alerts = await AlertsAsync(job);
        var expected = Expected(signals);
        Assert.True(expected.Count > 500, $"only {expected.Count} alerts");
        Assert.Empty(alerts.GroupBy(a => a.Payment).Where(g => g.Count() > 1).Select(g => g.Key)); // each once
        Assert.Equal(expected.OrderBy(a => a.Payment), alerts.OrderBy(a => a.Payment));
    }

    [Fact]
    public async Task Rescaled_from_2_to_3_to_1_instances_an_added_instance_takes_the_broadcast_state_and_the_alerts_equal_the_oracle()
    {
        const string job = LimitAlertsJob.Rescaled;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var signals = Signals(seed: 11, count: 4_500);

        await PushAsync(driver, signals[..1_500], "a");
        var first = await driver.SavepointAsync(stop: true);
        var three = await driver.Manager.StartAsync(new JobStartOptions(3, ClickWindows.Manual, FromSnapshot: first.Path));
        Assert.Equal((3, first.Id), (three.Parallelism, three.RestoredCheckpoint));
        await PushAsync(driver, signals[1_500..3_000], "b");
        var second = await driver.SavepointAsync(stop: true);
        await driver.Manager.StartAsync(new JobStartOptions(1, ClickWindows.Manual, FromSnapshot: second.Path));
        await PushAsync(driver, signals[3_000..], "c");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        var alerts = await AlertsAsync(job);
        var expected = Expected(signals);
        Assert.True(expected.Count > 400, $"only {expected.Count} alerts");
        Assert.Equal(expected.OrderBy(a => a.Payment), alerts.OrderBy(a => a.Payment));
    }

    private async Task<List<LimitAlert>> AlertsAsync(string job) =>
        [.. (await fixture.OutputFilesAsync($"{job}/alert-files/")).Values.SelectMany(lines => lines).Select(line => JsonSerializer.Deserialize<LimitAlert>(line, JsonSerializerOptions.Web)!)];

    /// <summary>The payments over the limit of their category in force at their time: the latest limit signal at or before it.</summary>
    private static List<LimitAlert> Expected(List<Signal> signals)
    {
        var limits = signals.Where(s => s.Kind == 'l').ToList();
        return [.. signals.Where(s => s.Kind == 'p')
            .Select(p => (Payment: p, Limit: limits.Where(l => l.Category == p.Category && l.Ts <= p.Ts).MaxBy(l => (l.Ts, l.Id))))
            .Where(x => x.Limit is not null && x.Payment.Amount > x.Limit.Amount)
            .Select(x => new LimitAlert(x.Payment.Id, x.Limit!.Id))];
    }

    private static Task<long> PushAsync(JobDriver driver, IEnumerable<Signal> signals, string producer) =>
        driver.PushAsync(signals.Select(s => JsonSerializer.Serialize(s, JsonSerializerOptions.Web)), batchSize: 250, retryFor: ClickWindows.RetryFor, producer: producer);

    /// <summary>Payments of 20 accounts in 3 categories, one every 20 ms on average, up to 0.5 s out of order; one in 50 signals is a new limit.</summary>
    private static List<Signal> Signals(int seed, int count)
    {
        var random = new Random(seed);
        var clock = ClickWindows.T0;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            clock += random.Next(0, 40);
            var kind = random.Next(50) == 0 ? 'l' : 'p';
            return new Signal(kind, i, $"acct-{random.Next(20)}", $"cat-{random.Next(3)}", kind == 'l' ? random.Next(200, 800) : random.Next(1, 1_000), clock - random.Next(0, 500));
        })];
    }
}

/// <summary>A payment ('p': an account's amount in a category) or a new limit ('l': the category's maximum amount from its time on).</summary>
[GenerateSerializer]
public sealed record Signal(char Kind, long Id, string Account, string Category, long Amount, long Ts);

/// <summary>A payment over the limit in force at its time (the limit signal's id).</summary>
[GenerateSerializer]
public sealed record LimitAlert(long Payment, long Limit);

/// <summary>A version of a category's limit: its amount from <paramref name="Ts"/> on.</summary>
[GenerateSerializer]
public sealed record LimitVersion(long Ts, long Id, long Amount);

/// <summary>Payments keyed by account, checked against the broadcast limits of their categories at their event time.</summary>
public sealed class LimitAlertsJob : IStreamJob
{
    public const string Name = "limit-alerts";
    public const string Rescaled = "limit-alerts-rescaled";

    public void Build(JobBuilder job)
    {
        var signals = job.Source("signals", JsonLines.Parser<Signal>(), WatermarkStrategy<Signal>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), s => DateTimeOffset.FromUnixTimeMilliseconds(s.Ts)));
        var limits = signals.Filter("limits", s => s.Kind == 'l').Broadcast();
        signals.Filter("payments", s => s.Kind == 'p')
            .KeyBy(p => p.Account)
            .Connect(limits)
            .Process("limit-check", () => new LimitCheck())
            .ToFiles("alert-files");
    }

    /// <summary>
    /// Limits go into broadcast state as versions per category (in time order, whatever order they arrive in); a payment
    /// waits in its account's state until the watermark passes its time, then meets the version in force at that time.
    /// </summary>
    private sealed class LimitCheck : KeyedBroadcastProcessFunction<string, Signal, Signal, LimitAlert>
    {
        public override void ProcessBroadcastElement(Signal value, IBroadcastContext context, ICollector<LimitAlert> output)
        {
            var limits = context.GetBroadcastState<string, List<LimitVersion>>("limits");
            var versions = limits.TryGetValue(value.Category, out var kept) ? kept : [];
            versions.Add(new LimitVersion(value.Ts, value.Id, value.Amount));
            versions.Sort((a, b) => (a.Ts, a.Id).CompareTo((b.Ts, b.Id)));
            limits.Put(value.Category, versions);
        }

        public override void ProcessElement(Signal value, IKeyedBroadcastContext<string> context, ICollector<LimitAlert> output)
        {
            var waiting = context.GetValueState<List<Signal>>("waiting");
            var payments = waiting.Value ?? [];
            payments.Add(value);
            waiting.Update(payments);
            context.RegisterEventTimeTimer(value.Ts);
        }

        public override void OnTimer(long timestamp, IKeyedBroadcastContext<string> context, ICollector<LimitAlert> output)
        {
            var waiting = context.GetValueState<List<Signal>>("waiting");
            var payments = waiting.Value!;
            var limits = context.GetBroadcastState<string, List<LimitVersion>>("limits");
            foreach (var payment in payments.Where(p => p.Ts <= timestamp))
            {
                if (limits.TryGetValue(payment.Category, out var versions) && versions.LastOrDefault(v => v.Ts <= payment.Ts) is { } limit && payment.Amount > limit.Amount)
                {
                    output.Collect(new LimitAlert(payment.Id, limit.Id));
                }
            }

            payments.RemoveAll(p => p.Ts <= timestamp);
            if (payments.Count == 0)
            {
                waiting.Clear();
            }
            else
            {
                waiting.Update(payments);
            }
        }
    }
}
