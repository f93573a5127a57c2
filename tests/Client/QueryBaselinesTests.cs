using OrleansCheckpoint.Cli.Bench;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Tests.Nexmark;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>The bench's single-threaded baselines do the queries' work: as many outputs as the queries' oracles.</summary>
public sealed class QueryBaselinesTests
{
    [Theory]
    [InlineData("q3", 30_000)]
    [InlineData("q4", 20_000)]
    [InlineData("q7", 20_000)]
    [InlineData("q8", 30_000)]
    public void A_join_baseline_outputs_as_many_records_as_the_query_computed_from_the_raw_events(string query, int events)
    {
        var expected = query switch
        {
            "q3" => NexmarkQueryTests.Query3Oracle(events).Count,
            "q4" => NexmarkQueryTests.Query4Oracle(events).RisesInOrder, // one update per rise of an auction's maximum, bids in generation order
            "q7" => NexmarkQueryTests.Query7Oracle(events, bid => bid).Count,
            _ => NexmarkQueryTests.Query8Oracle(events).Count,
        };

        var (_, outputs) = QueryBaselines.Run(query, new NexmarkGenerator(NexmarkQueryTests.Config), events);

        Assert.True(expected > 0);
        Assert.Equal(expected, outputs);
    }

    [Fact]
    public void The_q5_baseline_outputs_as_many_hot_items_as_the_query_computed_from_the_raw_events()
    {
        var expected = NexmarkQueryTests.Query5Oracle(10_000).Count;

        var (_, outputs) = QueryBaselines.Run("q5", new NexmarkGenerator(NexmarkQueryTests.Config), 10_000);

        Assert.True(expected > 0);
        Assert.Equal(expected, outputs);
    }
}
