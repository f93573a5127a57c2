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

    private static IIncrementalStateOperator Counts(params long[] numbers)
    {
        var transformation = new JobBuilder("test").Source("numbers", long.Parse).KeyBy(n => n).Count("counts", queryable: true).Transformation;
        var counts = new KeyedAggregateOperator<long, long, long, long>((KeyedAggregateTransformation<long, long, long, long>)transformation);
        counts.Open(new OperatorContext(new TaskId("test", "counts", 0), MaxParallelism, new KeyGroupRange(0, MaxParallelism - 1), null!, null!, null!, checkpointing: true));
        foreach (var n in numbers)
        {
            counts.Accept(n, 0);
        }

        return counts;
    }
}
