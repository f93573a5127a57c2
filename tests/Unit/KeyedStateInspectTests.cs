using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>What a keyed operator shows the offline inspector: its entries as JSON, one key's when asked as <c>client query</c> asks.</summary>
public sealed class KeyedStateInspectTests
{
    private const int MaxParallelism = 128;

    [Fact]
    public void A_key_is_parsed_as_client_query_parses_it_so_007_names_the_integer_key_7()
    {
        var counts = Counts(7, 7, 8, 7);

        var seven = Assert.Single(counts.Entries("007"));
        Assert.Equal(("accumulators", "7", "3", "3"), (seven.Table, seven.KeyJson, seven.ValueJson, seven.ResultJson));
        Assert.Equal(KeyGroups.Of(StableKeyHash.Of(7L), MaxParallelism), seven.KeyGroup);
        Assert.Empty(counts.Entries("9"));
        Assert.Equal(["7", "8"], counts.Entries(null).Select(e => e.KeyJson).Order());
        var table = Assert.Single(counts.DescribeTables());
        Assert.Equal(("accumulators", 2L), (table.Table, table.Entries));
    }

    [Fact]
    public void A_key_that_does_not_parse_is_an_error_naming_the_operator_and_its_key_type()
    {
        var error = Assert.Throws<StreamJobException>(() => Counts(1).Entries("seven"));

        Assert.Contains("'seven' is not a valid key for operator 'counts' (keys are Int64)", error.Message);
    }

    [Fact]
    public void A_windows_key_is_parsed_by_its_type_and_each_open_window_comes_with_the_timer_that_fires_it()
    {
        var transformation = new JobBuilder("test").Source("numbers", long.Parse)
            .KeyBy(n => n % 10).Window(TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10))).Count("windows").Transformation;
        var windows = new WindowAggregateOperator<long, long, long, long>((WindowAggregateTransformation<long, long, long, long>)transformation);
        windows.Open(Context());
        foreach (var (n, time) in new[] { (7L, 1_000L), (17L, 2_000L), (27L, 12_000L), (8L, 3_000L) })
        {
            windows.Accept(n, time);
        }

        var seven = windows.Entries("07").ToList();

        Assert.Equal(
            [("windows", """{"start":0,"end":10000,"accumulator":2}""", "2"), ("windows", """{"start":10000,"end":20000,"accumulator":1}""", "1")],
            seven.Where(e => e.Table == "windows").Select(e => (e.Table, e.ValueJson!, e.ResultJson!)).OrderBy(e => e.Item2, StringComparer.Ordinal));
        Assert.Equal(
            ["""{"time":19999}""", """{"time":9999}"""],
            seven.Where(e => e.Table == "timers").Select(e => e.ValueJson!).Order(StringComparer.Ordinal));
        Assert.All(seven, e => Assert.Equal("7", e.KeyJson));
        Assert.Equal([("windows", 3L), ("timers", 3L)], windows.DescribeTables().Select(t => (t.Table, t.Entries)));
    }

    private static OperatorContext Context() =>
        new(new TaskId("test", "counts", 0), MaxParallelism, new KeyGroupRange(0, MaxParallelism - 1), null!, null!, null!, checkpointing: true);

    private static IIncrementalStateOperator Counts(params long[] numbers)
    {
        var transformation = new JobBuilder("test").Source("numbers", long.Parse).KeyBy(n => n).Count("counts", queryable: true).Transformation;
        var counts = new KeyedAggregateOperator<long, long, long, long>((KeyedAggregateTransformation<long, long, long, long>)transformation);
        counts.Open(Context());
        foreach (var n in numbers)
        {
            counts.Accept(n, 0);
        }

        return counts;
    }
}
