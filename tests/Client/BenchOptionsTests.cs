using OrleansCheckpoint.Cli.Commands;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary><c>client bench</c>'s options, parsed by the client's real command line (the benchmark itself is run by hand, not by tests).</summary>
public sealed class BenchOptionsTests
{
    [Fact]
    public void The_defaults_run_every_query_and_ingest()
    {
        var parse = ClientCommandLine.Create().Parse(["bench"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("q0,q1,q2,q3,q4,q5,q7,q8,ingest,recovery", parse.GetValue<string>("--queries"));
        Assert.Equal("q4", parse.GetValue<string>("--recovery-query"));
        Assert.Null(parse.GetValue<long?>("--events")); // each query's own default
        Assert.Equal(10_000_000, parse.GetValue<long>("--state-keys"));
        Assert.Equal(0.01, parse.GetValue<double>("--change-fraction"));
        Assert.False(parse.GetValue<bool>("--no-incremental-checkpoints")); // incremental, as the silo's default
    }

    [Fact]
    public void Large_state_runs_when_asked_for_with_its_keys_and_change_fraction()
    {
        var parse = ClientCommandLine.Create().Parse(["bench", "--queries", "large-state", "--state-keys", "100000", "--change-fraction", "0.5"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(100_000, parse.GetValue<long>("--state-keys"));
        Assert.Equal(0.5, parse.GetValue<double>("--change-fraction"));
        Assert.Empty(new OrleansCheckpoint.Cli.Bench.BenchSettings(["large-state", "ingest"], null, 1, 2, 1, 512, 1_000).NexmarkQueries);
    }

    [Fact]
    public void Queries_whose_state_grows_with_the_events_default_to_fewer_events_unless_events_is_given()
    {
        var defaults = new OrleansCheckpoint.Cli.Bench.BenchSettings(["q0", "q5"], null, 1, 2, 10_000_000, 512, 1_000);
        var given = defaults with { Events = 3_000 };

        Assert.Equal(100_000_000, defaults.EventsOf("q0"));
        Assert.Equal(20_000_000, defaults.EventsOf("q5"));
        Assert.Equal(3_000, given.EventsOf("q5"));
        Assert.Equal(3_000, given.WarmupEventsOf("q0"));
    }

    [Theory]
    [InlineData("--queries", "q0,q9", "unknown q9")]
    [InlineData("--events", "0", "--events must be above 0")]
    [InlineData("--parallelism", "-1", "--parallelism must be above 0")]
    [InlineData("--recovery-query", "q9", "q9")]
    [InlineData("--state-keys", "0", "--state-keys must be above 0")]
    [InlineData("--change-fraction", "0", "--change-fraction must be above 0 and at most 1")]
    [InlineData("--change-fraction", "1.5", "--change-fraction must be above 0 and at most 1")]
    public void A_value_it_cannot_run_is_a_usage_error_naming_it(string option, string value, string message)
    {
        var parse = ClientCommandLine.Create().Parse(["bench", option, value]);

        Assert.Contains(parse.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }
}
