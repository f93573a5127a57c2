using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Runtime.Graph;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class JobGraphTests
{
    [Fact]
    public void The_request_counter_plan_chains_the_window_with_its_sink_and_shuffles_by_endpoint()
    {
        var plan = PhysicalPlan.Build(Graph(new RequestCounterJob()), parallelism: 3, maxParallelism: 128);

        Assert.Equal(
            [["requests"], ["window-counts", "window-results"], ["endpoint-totals"], ["endpoint-table"]],
            plan.Vertices.Select(v => v.Chain.Select(t => t.Uid).ToArray()).ToArray());
        Assert.Equal(Partitioning.Hash, plan["endpoint-table"].Inputs.Single().Edge.Partitioning); // the table is keyed by the endpoint
        var source = plan["requests"];
        Assert.Equal(["window-counts", "endpoint-totals"], source.Outputs.Select(o => o.DownstreamUid));
        Assert.All(source.Outputs, o => Assert.Equal(Partitioning.Hash, o.Edge.Partitioning));
        Assert.Equal(3, plan["window-counts"].InputChannelCount); // one channel from each source partition
        Assert.Equal(12, plan.AllTasks.Count());
        Assert.Equal("request-counter/window-counts/2", plan.AllTasks.Last(t => t.Operator == "window-counts").GrainKey);
    }

    [Fact]
    public void A_forward_chain_of_stateless_operators_runs_in_one_instance_and_a_rebalance_breaks_the_chain()
    {
        var graph = Build(job =>
        {
            job.Source("in", s => s)
                .Map("upper", s => s.ToUpperInvariant())
                .Filter("non-empty", s => s.Length > 0)
                .Rebalance()
                .FlatMap<string>("split", (s, o) => o.Collect(s))
                .ToResultsStream("out");
        });

        var plan = PhysicalPlan.Build(graph, 2, 16);

        Assert.Equal(["in+upper+non-empty", "split+out"], plan.Vertices.Select(v => string.Join('+', v.Chain.Select(t => t.Uid))));
        Assert.Equal(Partitioning.Rebalance, plan["split"].Inputs.Single().Edge.Partitioning);
    }

    [Fact]
    public void An_operator_with_its_own_parallelism_is_not_chained_and_a_forward_edge_across_parallelisms_is_refused()
    {
        var graph = Build(job => job.Source("in", s => s).Map("wide", s => s).WithParallelism(4).ToResultsStream("out"));

        var error = Assert.Throws<InvalidJobGraphException>(() => PhysicalPlan.Build(graph, 2, 16));

        Assert.Contains("'wide' (parallelism 4) reads 'in' (parallelism 2) with a forward edge", error.Message);
    }

    [Fact]
    public void Misuse_of_the_api_fails_when_the_graph_is_built_naming_the_problem()
    {
        Assert.Contains("no source", Assert.Throws<InvalidJobGraphException>(() => new JobBuilder("empty").Build()).Message);
        Assert.Contains("does nothing", Assert.Throws<InvalidJobGraphException>(() => Build(job => job.Source("in", s => s))).Message);
        Assert.Contains("uid 'x' twice", Assert.Throws<InvalidJobGraphException>(() => Build(job =>
        {
            var s = job.Source("x", s => s);
            s.Map("x", s => s);
        })).Message);
        Assert.Contains("cannot be typed on a command line", Assert.Throws<InvalidJobGraphException>(() => Build(job =>
            job.Source("in", s => s).KeyBy(s => (s, s.Length)).Count("counts", queryable: true))).Message);
        Assert.Contains("more than one queryable", Assert.Throws<InvalidJobGraphException>(() => Build(job =>
        {
            var keyed = job.Source("in", s => s).KeyBy(s => s);
            keyed.Count("a", queryable: true);
            keyed.Count("b", queryable: true);
        })).Message);
        Assert.Throws<ArgumentException>(() => Build(job => job.Source("a/b", s => s)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TumblingEventTimeWindows.Of(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => PhysicalPlan.Build(Graph(new RequestCounterJob()), parallelism: 129, maxParallelism: 128));
    }

    [Fact]
    public void A_two_input_operator_heads_its_own_chain_with_one_channel_per_upstream_instance_of_each_input()
    {
        var graph = Build(job =>
        {
            var events = job.Source("events", s => s);
            var left = events.Filter("left", s => s.StartsWith('l'));
            var right = events.Rebalance().Map("right", s => s).WithParallelism(2);
            left.KeyBy(s => s[1..]).Connect(right.KeyBy(s => s[1..])).Process("meet", () => new Meet()).Map("format", s => s).ToFiles("out");
            left.KeyBy(s => s).Connect(right.Broadcast()).Process("rules", () => new Rules()).ToFiles("rule-out");
        });
        var plan = PhysicalPlan.Build(graph, parallelism: 3, maxParallelism: 128);

        Assert.Equal(["meet", "format", "out"], plan["meet"].Chain.Select(t => t.Uid));
        Assert.Equal([("left", Partitioning.Hash), ("right", Partitioning.Hash)], plan["meet"].Inputs.Select(i => (plan.Vertices[i.UpstreamVertex].Uid, i.Edge.Partitioning)));
        Assert.Equal(3 + 2, plan["meet"].InputChannelCount);
        Assert.Equal(Partitioning.Broadcast, plan["rules"].Inputs[1].Edge.Partitioning);
    }

    [Fact]
    public void Connecting_a_stream_with_itself_or_with_another_jobs_stream_is_refused_naming_it()
    {
        Assert.Contains("reads 'events' twice", Assert.Throws<InvalidJobGraphException>(() => Build(job =>
        {
            var events = job.Source("events", s => s).KeyBy(s => s);
            events.Connect(events).Process("meet", () => new Meet());
        })).Message);
        Assert.Contains("different jobs", Assert.Throws<InvalidJobGraphException>(() =>
            new JobBuilder("one").Source("a", s => s).Join(new JobBuilder("two").Source("b", s => s))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Build(job =>
        {
            var events = job.Source("events", s => s);
            events.KeyBy(s => s).IntervalJoin(events.Map("other", s => s).KeyBy(s => s)).Between(TimeSpan.FromSeconds(1), TimeSpan.Zero);
        }));
    }

    private sealed class Meet : KeyedCoProcessFunction<string, string, string, string>
    {
        public override void ProcessElement1(string value, IKeyedContext<string> context, ICollector<string> output) => output.Collect(value);

        public override void ProcessElement2(string value, IKeyedContext<string> context, ICollector<string> output) => output.Collect(value);
    }

    private sealed class Rules : KeyedBroadcastProcessFunction<string, string, string, string>
    {
        public override void ProcessElement(string value, IKeyedBroadcastContext<string> context, ICollector<string> output) => output.Collect(value);

        public override void ProcessBroadcastElement(string value, IBroadcastContext context, ICollector<string> output) =>
            context.GetBroadcastState<string, string>("rules").Put(value, value);
    }

    private static JobGraph Graph(IStreamJob job)
    {
        var builder = new JobBuilder("request-counter");
        job.Build(builder);
        return builder.Build();
    }

    private static JobGraph Build(Action<JobBuilder> describe)
    {
        var builder = new JobBuilder("test");
        describe(builder);
        return builder.Build();
    }
}
