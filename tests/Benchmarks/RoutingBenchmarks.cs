using BenchmarkDotNet.Attributes;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>
/// A RecordWriter partitioning bids over 4 downstream instances (forward, by key group of the auction id, or
/// round-robin) into batches of 512, and "sending" them to grains that drop them: the per-record cost of the
/// output side of a channel, without the grain call.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private const int Records = 4096;
    private StreamRecord<Bid>[] _bids = [];
    private RecordWriter<Bid> _writer = null!;

    [Params(Partitioning.Forward, Partitioning.Hash, Partitioning.Rebalance)]
    public Partitioning Partitioning { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bids = SampleData.Bids(Records);
        var upstream = new JobBuilder("bench").Generate("bids", i => _bids[i % Records].Value, Records).Transformation;
        var edge = new InputEdge(upstream, Partitioning, Partitioning == Partitioning.Hash ? (Func<Bid, ulong>)(b => StableKeyHash.Of(b.Auction)) : null);
        var output = new VertexOutput(1, "down", Partitioning == Partitioning.Forward ? 1 : 4, edge);
        _writer = new RecordWriter<Bid>(new ChannelWriterSpec(new TaskId("bench", "bids", 0), 0, 1, output, 128, 512, _ => DroppingGrain.Instance));
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public void RouteAndBatch()
    {
        foreach (var record in _bids)
        {
            _writer.Accept(record.Value, record.Timestamp);
        }

        _writer.FlushPartial();
        _writer.SendAsync().GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public int KeyGroupOnly()
    {
        var sum = 0;
        foreach (var record in _bids)
        {
            sum += KeyGroups.PartitionOf(KeyGroups.Of(StableKeyHash.Of(record.Value.Auction), 128), 128, 4);
        }

        return sum;
    }

    /// <summary>An operator grain that takes every batch and does nothing.</summary>
    private sealed class DroppingGrain : IOperatorGrain
    {
        public static readonly DroppingGrain Instance = new();

        public Task DeliverAsync(ChannelBatch batch) => Task.CompletedTask;

        public Task DeployAsync(TaskDeployment deployment) => throw new NotSupportedException();

        public Task DrainAsync(long generation, FinalCommit commit) => throw new NotSupportedException();

        public Task CancelAsync(long generation) => throw new NotSupportedException();

        public Task TriggerCheckpointAsync(long generation, CheckpointBarrier barrier) => throw new NotSupportedException();

        public Task NotifyCheckpointCompleteAsync(long generation, long checkpointId, long oldestRetained) => throw new NotSupportedException();

        public Task AbortCheckpointAsync(long generation, long checkpointId) => throw new NotSupportedException();

        public Task<string?> QueryAsync(string key) => throw new NotSupportedException();

        public Task<InstanceState> GetStateAsync(long generation) => throw new NotSupportedException();

        public Task<SiloAddress> GetSiloAsync() => throw new NotSupportedException();

        public Task<JobMetrics> GetMetricsAsync() => throw new NotSupportedException();

        public Task<InstanceMetrics> GetInstanceMetricsAsync() => throw new NotSupportedException();
    }
}
