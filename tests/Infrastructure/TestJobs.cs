using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A test job whose keyed operator can be held shut: while <see cref="Gate"/> is reset, the operator's
/// instance blocks on its first record, so nothing downstream of the source drains (a stalled consumer).
/// </summary>
public sealed class GatedJob : IStreamJob
{
    public const string Name = "gated";

    public static readonly ManualResetEventSlim Gate = new(initialState: true);

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .KeyBy(n => n % 4)
            .Process("gated-count", () => new GatedCount());

    private sealed class GatedCount : KeyedProcessFunction<long, long, long>
    {
        public override void ProcessElement(long value, IKeyedContext<long> context, ICollector<long> output)
        {
            Gate.Wait(TimeSpan.FromSeconds(60));
            var count = context.GetValueState<long>("count");
            count.Update(count.Value + 1);
        }
    }
}

/// <summary>
/// A test job whose source partitions stall on a negative number until <see cref="Stall"/> is set, so one
/// input channel of the keyed operator can be made slow on demand. State: a count per key (n mod 4); registered
/// as <see cref="WithTableName"/>, it also commits the counts to a result table, and stalls on
/// <see cref="TableStall"/> instead (the two run in clusters whose tests run in parallel).
/// </summary>
public sealed class StallingJob(bool withTable = false) : IStreamJob
{
    public const string Name = "stalling";

    /// <summary>The same job under another name, for the at-least-once variant of a test (a job of its own).</summary>
    public const string AtLeastOnceName = "stalling-at-least-once";
    public const string WithTableName = "stalling-table";

    public static readonly ManualResetEventSlim Stall = new(initialState: true);

    /// <summary>Set while an instance is stalled on a negative number (the stalled push's answer waits behind it).</summary>
    public static readonly ManualResetEventSlim Stalled = new(initialState: false);

    /// <summary>What <see cref="Stall"/> is to the job registered as <see cref="WithTableName"/>.</summary>
    public static readonly ManualResetEventSlim TableStall = new(initialState: true);

    /// <summary>What <see cref="Stalled"/> is to the job registered as <see cref="WithTableName"/>.</summary>
    public static readonly ManualResetEventSlim TableStalled = new(initialState: false);

    public void Build(JobBuilder job)
    {
        var (stall, stalled) = withTable ? (TableStall, TableStalled) : (Stall, Stalled);
        var counts = job.Source("numbers", long.Parse)
            .Map("stall-on-negative", n =>
            {
                if (n < 0 && !stall.IsSet)
                {
                    stalled.Set();
                    stall.Wait(TimeSpan.FromSeconds(60));
                    stalled.Reset();
                }

                return n;
            })
            .KeyBy(n => n % 4)
            .Count("counts", queryable: true);
        if (withTable)
        {
            counts.ToResultTable("count-table");
        }
    }
}

/// <summary>A test job that writes every number it receives, doubled, to part files.</summary>
public sealed class FileOutputJob : IStreamJob
{
    public const string Name = "file-output";

    /// <summary>The same job under another name, for a second test on the same cluster.</summary>
    public const string KillBeforeCommitName = "file-output-kill";

    /// <summary>The same job under a third name, for the drain-failure test.</summary>
    public const string DrainFailureName = "file-output-drain";

    /// <summary>The same job under a fourth name, for the test of triggers that overtake each other.</summary>
    public const string TriggerOrderName = "file-output-order";

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .Map("double", n => n * 2)
            .ToFiles("parts");
}

/// <summary>A number and its double: a CSV row.</summary>
public sealed record NumberDoubled(long Number, long Doubled);

/// <summary>The file-output job writing CSV: each number and its double, as a row of part files.</summary>
public sealed class CsvOutputJob : IStreamJob
{
    public const string Name = "csv-output-kill";

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .Map("double", n => new NumberDoubled(n, n * 2))
            .ToCsvFiles("parts");
}

/// <summary>A test job whose results are large: each number becomes a 300-character string on the results stream.</summary>
public sealed class WideResultsJob : IStreamJob
{
    public const string Name = "wide-results";

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .Map("widen", n => $"{n:D10}{new string('x', 290)}")
            .ToResultsStream("wide");
}

/// <summary>A test job with a rolling keyed reduce: the running sum of the numbers per last digit, queryable.</summary>
public sealed class RollingSumJob : IStreamJob
{
    public const string Name = "rolling-sum";

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .KeyBy(n => n % 10)
            .Reduce("sums", (a, b) => a + b, queryable: true);
}

/// <summary>A test job whose source generates the numbers 0 … <see cref="Count"/> − 1 and writes each, doubled, to part files.</summary>
public sealed class GeneratedFilesJob : IStreamJob
{
    public const string Name = "gen-files";
    public const long Count = 20_000;

    public void Build(JobBuilder job) =>
        job.Generate("numbers", i => i, Count)
            .Map("double", n => n * 2)
            .ToFiles("parts");
}

/// <summary>A click on a page by a user, at an event time (Unix milliseconds).</summary>
[GenerateSerializer]
public sealed record Click(string User, string Page, long Ts);

/// <summary>
/// Clicks with a 1 s out-of-orderness bound: per page, 5 s tumbling counts written to part files; per user, a running
/// count in a result table. The shape of a user's job that saw windows committed twice after a failure with late events.
/// </summary>
public sealed class LateClicksJob : IStreamJob
{
    public const string Duplicates = "late-dup";
    public const string IdlePartition = "late-idle";
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(5);

    public void Build(JobBuilder job)
    {
        var clicks = job.Source(
            "clicks",
            JsonLines.Parser<Click>(),
            WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts)));
        clicks.KeyBy(c => c.Page).Window(TumblingEventTimeWindows.Of(WindowSize)).Count("page-windows").ToFiles("window-files");
        clicks.KeyBy(c => c.User).Count("user-totals").ToResultTable("user-table");
    }
}

/// <summary>
/// A count per number (each number its own key: as many keys as distinct numbers pushed), queryable live; and a value
/// state per number mod 1,000 in a process function (its state is checkpointed and restored beside the counts).
/// Registered under several names (<see cref="Names"/>), one per test, as their checkpoint settings differ.
/// </summary>
public sealed class WideStateJob : IStreamJob
{
    public static readonly string[] Names = ["wide-state", "wide-retention", "wide-whole"];

    public void Build(JobBuilder job)
    {
        var numbers = job.Source("numbers", long.Parse).KeyBy(n => n);
        numbers.Count("counts", queryable: true);
        numbers.Process("last-seen", () => new LastSeen());
    }

    private sealed class LastSeen : KeyedProcessFunction<long, long, long>
    {
        public override void ProcessElement(long value, IKeyedContext<long> context, ICollector<long> output)
        {
            var seen = context.GetValueState<long>("seen");
            seen.Update(seen.Value + 1);
        }
    }
}

/// <summary>
/// Clicks counted per page in 5-second event-time windows (to files) and per user (to a result table), in versions a job
/// upgrade moves between (<see cref="Versions"/>, set per job name, then <c>JobRegistry.Forget</c> on every silo):
/// 1 as described; 2 without the per-user count (an operator removed); 3 with a per-page running total to files as well
/// (an operator added); 4 with the per-user count's accumulator an <see cref="int"/> (a state whose type changed).
/// Registered under several names, one per test.
/// </summary>
public sealed class UpgradableClicksJob(string name) : IStreamJob
{
    public static readonly string[] Names = ["sp-resume", "sp-stop", "sp-retention", "sp-errors", "sp-upgrade", "sp-types", "sp-rescale", "sp-shrink", "sp-rescale-fail", "sp-stop-fails", "sp-stop-lost", "sp-cli", "sp-stop-manager", "sp-truncate", "sp-drain", "sp-noshot"];
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Versions = new();

    public void Build(JobBuilder job)
    {
        var version = Versions.GetValueOrDefault(name, 1);
        var clicks = job.Source(
            "clicks",
            JsonLines.Parser<Click>(),
            WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts)));
        clicks.KeyBy(c => c.Page).Window(TumblingEventTimeWindows.Of(LateClicksJob.WindowSize)).Count("page-windows").ToFiles("window-files");
        switch (version)
        {
            case 2:
                break;
            case 4:
                clicks.KeyBy(c => c.User).Aggregate("user-totals", new IntCount()).ToResultTable("user-table");
                break;
            default:
                clicks.KeyBy(c => c.User).Count("user-totals").ToResultTable("user-table");
                break;
        }

        if (version == 3)
        {
            clicks.KeyBy(c => c.Page).Count("page-totals").ToFiles("page-total-files");
        }
    }

    private sealed class IntCount : IAggregateFunction<Click, int, int>
    {
        public int CreateAccumulator() => 0;

        public int Add(Click value, int accumulator) => accumulator + 1;

        public int GetResult(int accumulator) => accumulator;
    }
}

/// <summary>
/// Clicks parsed, then stamped by a map chained to the source (the source's vertex runs two operators), counted per user
/// in a result table and per page in 5-second windows to files: a job whose source chain holds more than the source.
/// </summary>
public sealed class ChainedSourceJob : IStreamJob
{
    public const string Name = "sp-chained";

    public void Build(JobBuilder job)
    {
        var clicks = job.Source(
                "clicks",
                JsonLines.Parser<Click>(),
                WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts)))
            .Map("stamped", c => c with { Page = c.Page.Trim() });
        clicks.KeyBy(c => c.Page).Window(TumblingEventTimeWindows.Of(LateClicksJob.WindowSize)).Count("page-windows").ToFiles("window-files");
        clicks.KeyBy(c => c.User).Count("user-totals").ToResultTable("user-table");
    }
}

/// <summary>
/// Clicks split by a filter into those of even and odd milliseconds and merged again by a union (a vertex with two
/// inputs), then counted per page in 5-second windows (to files) and per user (in a result table).
/// </summary>
public sealed class UnionClicksJob : IStreamJob
{
    public const string Name = "union-clicks";

    public void Build(JobBuilder job)
    {
        var clicks = job.Source(
            "clicks",
            JsonLines.Parser<Click>(),
            WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts)));
        var even = clicks.Filter("even", c => c.Ts % 20 == 0);
        var odd = clicks.Filter("odd", c => c.Ts % 20 != 0);
        var merged = even.Union("merged", odd);
        merged.KeyBy(c => c.Page).Window(TumblingEventTimeWindows.Of(LateClicksJob.WindowSize)).Count("page-windows").ToFiles("window-files");
        merged.KeyBy(c => c.User).Count("user-totals").ToResultTable("user-table");
    }
}
