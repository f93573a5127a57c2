using System.Globalization;
using System.Text.Json;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Click = OrleansCheckpoint.Jobs.Verification.Click;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// The offline inspector reads the verification job's checkpoint: the pending event-time timers and the value state of
/// its keyed process function, its open page windows and its user totals, as counted from the pushed clicks. A value state
/// restored from pieces keeps its value type unknown until the function asks for it: it is reported, not decoded.
/// </summary>
[Collection(InspectClusterCollection.Name)]
public sealed class ProcessStateInspectTests(InspectClusterFixture fixture)
{
    private const long B0 = 1_700_000_000_000; // the start of a 5 s window and of a 10 s bucket
    private const long BucketMs = 10_000;
    private const long WindowMs = 5_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_checkpoint_holds_each_users_pending_bucket_timer_and_count_and_each_pages_open_window(bool incremental)
    {
        var job = incremental ? InspectClusterFixture.Verification : InspectClusterFixture.VerificationWhole;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, SnapshotInspectTests.ByHand with { Incremental = incremental });
        // Event times in the first 4 s: with 1 s of out-of-orderness, no window or bucket of them closes.
        var random = new Random(incremental ? 5 : 6);
        var clicks = Enumerable.Range(0, 1_500)
            .Select(i => new Click(i, $"u{random.Next(30):D2}", $"p{random.Next(10)}", B0 + random.Next(4_000))).ToList();
        await driver.PushAsync(clicks.Select(c => JsonSerializer.Serialize(c, JsonSerializerOptions.Web)));
        var users = clicks.GroupBy(c => c.User).ToDictionary(g => g.Key, g => (long)g.Count());
        var checkpoint = await CommittedAsync(driver, users); // a checkpoint after every click
        await driver.Manager.StopAsync(drain: false);
        var inspector = fixture.Client.GetGrain<ISnapshotInspectorGrain>(job);

        var buckets = await SnapshotInspectTests.EntriesAsync(inspector, checkpoint, "user-buckets");
        var totals = await SnapshotInspectTests.EntriesAsync(inspector, checkpoint, "user-totals");
        var windows = await SnapshotInspectTests.EntriesAsync(inspector, checkpoint, "page-windows");
        var summary = await inspector.SummarizeAsync(checkpoint);

        Assert.Equal(
            users.Keys.Select(u => (u, B0 + BucketMs - 1)).Order().ToList(),
            buckets.Where(e => e.State == "timers").Select(e => (SnapshotInspectTests.KeyOf(e), Time(e))).Order().ToList());
        var values = buckets.Where(e => e.State == "value:buckets").ToList();
        var bucketTable = summary.Instances.SelectMany(i => i.Operators).Where(o => o.Uid == "user-buckets")
            .SelectMany(o => o.Tables).Where(t => t.Name == "value:buckets").ToList();
        Assert.Equal(users.Count, bucketTable.Sum(t => t.Entries));
        if (incremental)
        {
            Assert.All(values, e => Assert.True(e.KeyJson is null && e.Note!.Contains("not decoded", StringComparison.Ordinal), e.Note));
            Assert.NotEmpty(values);
            Assert.All(bucketTable, t => Assert.True(t.UndecodedBytes > 0));
        }
        else
        {
            Assert.Equal(
                users.OrderBy(u => u.Key).Select(u => (u.Key, $"{{\"{B0}\":{u.Value}}}")).ToList(),
                values.Select(e => (SnapshotInspectTests.KeyOf(e), e.ValueJson!)).OrderBy(v => v.Item1).ToList());
            Assert.All(bucketTable, t => Assert.Null(t.UndecodedBytes));
        }

        Assert.Equal(users, totals.ToDictionary(SnapshotInspectTests.KeyOf, e => long.Parse(e.ValueJson!, CultureInfo.InvariantCulture)));
        var pages = clicks.GroupBy(c => c.Page).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(
            pages.OrderBy(p => p.Key).Select(p => (p.Key, $"{{\"start\":{B0},\"end\":{B0 + WindowMs},\"accumulator\":{p.Value}}}")).ToList(),
            windows.Where(e => e.State == "windows").Select(e => (SnapshotInspectTests.KeyOf(e), e.ValueJson!)).OrderBy(w => w.Item1).ToList());
        Assert.Equal(
            pages.Keys.Select(p => (p, B0 + WindowMs - 1)).Order().ToList(),
            windows.Where(e => e.State == "timers").Select(e => (SnapshotInspectTests.KeyOf(e), Time(e))).Order().ToList());
        Assert.All(summary.Instances, i => Assert.Equal(incremental ? "incremental" : "whole", i.Format));
    }

    [Fact]
    public async Task A_value_state_whose_type_a_consistency_function_names_decodes_from_pieces_and_another_is_reported_undecoded()
    {
        const string job = AccountBalancesJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, SnapshotInspectTests.ByHand);
        var random = new Random(7);
        var lines = Enumerable.Range(0, 800).Select(_ => (Account: $"a{random.Next(40)}", Amount: (long)random.Next(1, 100))).ToList();
        await driver.PushAsync(lines.Select(l => $"{l.Account},{l.Amount}"));
        var inspector = fixture.Client.GetGrain<ISnapshotInspectorGrain>(job);
        long checkpoint = 0;
        await Eventually.TrueAsync(
            async () => (await inspector.SummarizeAsync(checkpoint = await CheckpointTests.CheckpointByHandAsync(driver))).Instances
                .SelectMany(i => i.Operators).Where(o => o.Uid == "transfers").Sum(o => SourceOffset(o.Description!)) == lines.Count,
            "a checkpoint whose sources' positions cover every line");
        await driver.Manager.StopAsync(drain: false);

        var entries = await SnapshotInspectTests.EntriesAsync(inspector, checkpoint, "accounts");

        Assert.Equal(
            lines.GroupBy(l => l.Account).Select(g => (g.Key, g.Sum(l => l.Amount).ToString(CultureInfo.InvariantCulture))).Order().ToList(),
            entries.Where(e => e.State == "value:balance").Select(e => (SnapshotInspectTests.KeyOf(e), e.ValueJson!)).Order().ToList());
        var last = entries.Where(e => e.State == "value:last").ToList();
        Assert.NotEmpty(last);
        Assert.All(last, e => Assert.True(e.KeyJson is null && e.Note!.Contains("value type of state 'last'", StringComparison.Ordinal), e.Note));
    }

    /// <summary>
    /// Takes checkpoints until the user table's committed totals count every click: every click then went through the
    /// sources before the last checkpoint's barriers, so that checkpoint's state holds all of them. Returns its id.
    /// </summary>
    private static async Task<long> CommittedAsync(JobDriver driver, Dictionary<string, long> users)
    {
        long last = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                last = await CheckpointTests.CheckpointByHandAsync(driver);
                foreach (var (user, count) in users)
                {
                    if ((await driver.Manager.QueryAsync(user)).ValueJson != count.ToString(CultureInfo.InvariantCulture))
                    {
                        return false;
                    }
                }

                return true;
            },
            "the user table to commit every click");
        return last;
    }

    private static long SourceOffset(string description) => long.Parse(description.Split(' ', ',')[1], CultureInfo.InvariantCulture);

    internal static long Time(Messages.StateEntry entry) => JsonDocument.Parse(entry.ValueJson!).RootElement.GetProperty("time").GetInt64();
}
