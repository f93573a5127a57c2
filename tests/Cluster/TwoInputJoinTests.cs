using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Two-input operators on the cluster: orders and payments of 12 accounts, each up to 0.5 s out of order, split from one
/// source into two streams that meet in an interval join, a window join and a keyed co-process function. Every output
/// equals what is computed from the trades alone, each record committed once — also when the instances of all three
/// are lost mid-join (after a checkpoint holding kept records, open windows and timers) and the job restores it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TwoInputJoinTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Joins_and_a_co_process_function_equal_the_oracle_and_commit_each_result_once_when_their_instances_are_lost_mid_join()
    {
        const string job = TradeJoinsJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var trades = Trades(seed: 5, count: 6_000);

        await PushAsync(driver, trades[..2_500], "first");
        var checkpoint = await driver.CheckpointAsync(); // kept records, open windows and timers in it
        await PushAsync(driver, trades[2_500..3_500], "second");
        var info = await fixture.LoseInstancesAsync(driver, $"{job}/paid/1", $"{job}/pairs/1", $"{job}/balances/1");
        Assert.Equal(checkpoint, info.RestoredCheckpoint);
        await PushAsync(driver, trades[3_500..], "rest");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        Assert.Equal(0, (await driver.Manager.GetMetricsAsync()).LateRecordsDropped); // disorder stays within the watermark's bound

        var orders = trades.Where(t => t.Side == 'o').ToList();
        var payments = trades.Where(t => t.Side == 'p').ToList();
        var paid = await CommittedAsync<Paired>(job, "paid-files");
        var expectedPaid = orders.SelectMany(o => payments.Where(p => p.Account == o.Account && p.Ts >= o.Ts && p.Ts <= o.Ts + 2_000).Select(p => new Paired(o.Id, p.Id))).ToList();
        Assert.True(expectedPaid.Count > 2_000, $"only {expectedPaid.Count} paid orders");
        Assert.Equal(expectedPaid.Order(), paid.Order());

        var pairs = await CommittedAsync<Paired>(job, "pair-files");
        var expectedPairs = orders.SelectMany(o => payments.Where(p => p.Account == o.Account && Bucket(p.Ts, 5_000) == Bucket(o.Ts, 5_000)).Select(p => new Paired(o.Id, p.Id))).ToList();
        Assert.Equal(expectedPairs.Order(), pairs.Order());

        var balances = await CommittedAsync<AccountBucket>(job, "balance-files");
        var expectedBalances = trades.GroupBy(t => (t.Account, Start: Bucket(t.Ts, 10_000)))
            .Select(g => new AccountBucket(g.Key.Account, g.Key.Start, g.Count(t => t.Side == 'o'), g.Count(t => t.Side == 'p'))).ToList();
        Assert.Equal(expectedBalances.Order(), balances.Order());
    }

    private static long Bucket(long ts, long size) => ts - (ts % size);

    private static Task<long> PushAsync(JobDriver driver, IEnumerable<Trade> trades, string producer) =>
        driver.PushAsync(trades.Select(t => JsonSerializer.Serialize(t, JsonSerializerOptions.Web)), batchSize: 250, retryFor: ClickWindows.RetryFor, producer: producer);

    private async Task<List<T>> CommittedAsync<T>(string job, string sink) =>
        [.. (await fixture.OutputFilesAsync($"{job}/{sink}/")).Values.SelectMany(lines => lines).Select(line => JsonSerializer.Deserialize<T>(line, JsonSerializerOptions.Web)!)];

    /// <summary>Orders and payments of 12 accounts, one every 20 ms on average, each up to 0.5 s out of order.</summary>
    private static List<Trade> Trades(int seed, int count)
    {
        var random = new Random(seed);
        var clock = ClickWindows.T0;
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            clock += random.Next(0, 40);
            return new Trade(random.Next(2) == 0 ? 'o' : 'p', $"acct-{random.Next(12)}", i, clock - random.Next(0, 500));
        })];
    }
}

/// <summary>An order ('o') or a payment ('p') of an account at an event time.</summary>
[GenerateSerializer]
public sealed record Trade(char Side, string Account, long Id, long Ts);

/// <summary>An order and a payment that met.</summary>
[GenerateSerializer]
public sealed record Paired(long Order, long Payment) : IComparable<Paired>
{
    public int CompareTo(Paired? other) => other is null ? 1 : (Order, Payment).CompareTo((other.Order, other.Payment));
}

/// <summary>An account's orders and payments in a 10 s bucket of event time.</summary>
[GenerateSerializer]
public sealed record AccountBucket(string Account, long Start, int Orders, int Payments) : IComparable<AccountBucket>
{
    public int CompareTo(AccountBucket? other) => other is null ? 1 : (Account, Start).CompareTo((other.Account, other.Start));
}

/// <summary>
/// Orders and payments split from one source meet three ways: an interval join (a payment 0–2 s after its order), a
/// window join (order and payment in one 5 s window) and a co-process function counting both per account and 10 s bucket.
/// </summary>
public sealed class TradeJoinsJob : IStreamJob
{
    public const string Name = "trade-joins";

    public void Build(JobBuilder job)
    {
        var trades = job.Source("trades", JsonLines.Parser<Trade>(), WatermarkStrategy<Trade>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), t => DateTimeOffset.FromUnixTimeMilliseconds(t.Ts)));
        var orders = trades.Filter("orders", t => t.Side == 'o');
        var payments = trades.Filter("payments", t => t.Side == 'p');

        orders.KeyBy(o => o.Account).IntervalJoin(payments.KeyBy(p => p.Account))
            .Between(TimeSpan.Zero, TimeSpan.FromSeconds(2))
            .Process("paid", (o, p) => new Paired(o.Id, p.Id))
            .ToFiles("paid-files");
        orders.Join(payments).Where(o => o.Account).EqualTo(p => p.Account)
            .Window(TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(5)))
            .Apply("pairs", (o, p) => new Paired(o.Id, p.Id))
            .ToFiles("pair-files");
        orders.KeyBy(o => o.Account).Connect(payments.KeyBy(p => p.Account))
            .Process("balances", () => new BucketCounts())
            .ToFiles("balance-files");
    }

    /// <summary>Counts an account's orders and payments per 10 s bucket; a bucket goes out when the watermark passes its end.</summary>
    private sealed class BucketCounts : KeyedCoProcessFunction<string, Trade, Trade, AccountBucket>
    {
        public override void ProcessElement1(Trade value, IKeyedContext<string> context, ICollector<AccountBucket> output) => Count(context, orders: 1, payments: 0);

        public override void ProcessElement2(Trade value, IKeyedContext<string> context, ICollector<AccountBucket> output) => Count(context, orders: 0, payments: 1);

        public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<AccountBucket> output)
        {
            var state = context.GetValueState<Dictionary<long, (int Orders, int Payments)>>("buckets");
            var buckets = state.Value!;
            var start = timestamp + 1 - 10_000;
            var (orders, payments) = buckets[start];
            output.Collect(new AccountBucket(context.CurrentKey, start, orders, payments));
            buckets.Remove(start);
            if (buckets.Count == 0)
            {
                state.Clear();
            }
            else
            {
                state.Update(buckets);
            }
        }

        private static void Count(IKeyedContext<string> context, int orders, int payments)
        {
            var start = context.Timestamp - (context.Timestamp % 10_000);
            var state = context.GetValueState<Dictionary<long, (int Orders, int Payments)>>("buckets");
            var buckets = state.Value ?? [];
            var (o, p) = buckets.GetValueOrDefault(start);
            buckets[start] = (o + orders, p + payments);
            state.Update(buckets);
            context.RegisterEventTimeTimer(start + 10_000 - 1);
        }
    }
}
