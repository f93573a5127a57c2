using BenchmarkDotNet.Attributes;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>
/// A consistency function on a keyed count of 100,000 keys: preparing it with the synchronous snapshot (on the
/// processing path), and running it on the captured state (off it), per entry — to set beside
/// <see cref="SnapshotBenchmarks.SerializeWithChecksum"/>, which runs at the same time.
/// </summary>
[MemoryDiagnoser]
public class ConsistencyCheckBenchmarks
{
    private const int Entries = 100_000;
    private const int MaxParallelism = 128;
    private KeyedAggregateOperator<long, long, long, long> _operator = null!;
    private Func<string?> _check = null!;
    private long _checkpoint;

    [GlobalSetup]
    public void Setup()
    {
        var counts = new JobBuilder("bench").Source("numbers", long.Parse).KeyBy(n => n).Count("counts")
            .WithStateInvariant("no count is negative", (_, count) => count >= 0);
        _operator = new KeyedAggregateOperator<long, long, long, long>((KeyedAggregateTransformation<long, long, long, long>)counts.Transformation);
        _operator.Open(new OperatorContext(new TaskId("bench", "counts", 0), MaxParallelism, KeyGroups.RangeOf(0, MaxParallelism, 1), null!, null!, null!, checkpointing: true));
        for (long key = 0; key < Entries; key++)
        {
            _operator.Accept(key, 0);
        }

        _check = _operator.PrepareConsistencyCheck(++_checkpoint)!;
    }

    /// <summary>On the processing path, once per checkpoint: capture the view and bind the rules to it.</summary>
    [Benchmark]
    public object Prepare() => _operator.PrepareConsistencyCheck(++_checkpoint)!;

    /// <summary>Off the processing path: one pass of the rule over every entry, per entry.</summary>
    [Benchmark(OperationsPerInvoke = Entries)]
    public string? Check() => _check();
}
