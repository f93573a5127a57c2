using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>
/// Keyed state: a rolling count per key as KeyedAggregateOperator keeps it (key group from the stable hash, read,
/// write), with and without a snapshot just taken (copy-on-write copies each touched key group once).
/// </summary>
[MemoryDiagnoser]
public class KeyedStateBenchmarks
{
    private const int Updates = 4096;
    private const int MaxParallelism = 128;
    private KeyedStateTable<long, long> _table = null!;
    private long[] _keys = [];

    [Params(1_000, 100_000)]
    public int Keys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _table = new KeyedStateTable<long, long>(KeyGroups.RangeOf(0, MaxParallelism, 1));
        var random = new Random(1);
        _keys = [.. Enumerable.Range(0, Updates).Select(_ => (long)random.Next(Keys))];
        for (long key = 0; key < Keys; key++)
        {
            _table.Set(KeyGroups.Of(StableKeyHash.Of(key), MaxParallelism), key, 1);
        }
    }

    [Benchmark(OperationsPerInvoke = Updates)]
    public void Update() => UpdateAll();

    [Benchmark(OperationsPerInvoke = Updates)]
    public void UpdateAfterSnapshot()
    {
        _table.Snapshot();
        UpdateAll();
    }

    private void UpdateAll()
    {
        foreach (var key in _keys)
        {
            var keyGroup = KeyGroups.Of(StableKeyHash.Of(key), MaxParallelism);
            _table.TryGet(keyGroup, key, out var count);
            _table.Set(keyGroup, key, count + 1);
        }
    }
}

/// <summary>
/// The asynchronous part of a checkpoint: serializing an instance's snapshot (a keyed count of 100,000 keys) into
/// its stored payload with its checksum, and reading it back, per entry.
/// </summary>
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private const int Entries = 100_000;
    private const int MaxParallelism = 128;
    private SnapshotStore _store = null!;
    private Serializer _serializer = null!;
    private TaskSnapshot _snapshot = null!;
    private byte[] _payload = [];

    [GlobalSetup]
    public void Setup()
    {
        _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        _store = new SnapshotStore(storage: null!, _serializer); // only its serialization is measured
        var table = new KeyedStateTable<long, long>(KeyGroups.RangeOf(0, MaxParallelism, 1));
        for (long key = 0; key < Entries; key++)
        {
            table.Set(KeyGroups.Of(StableKeyHash.Of(key), MaxParallelism), key, key);
        }

        _snapshot = new TaskSnapshot(new TaskId("bench", "counts", 0), 1, [new OperatorSnapshot("counts", table.Snapshot())]);
        _payload = _store.Serialize(_snapshot).Payload;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public int SerializeWithChecksum() => _store.Serialize(_snapshot).Payload.Length;

    [Benchmark(OperationsPerInvoke = Entries)]
    public int Deserialize() => _serializer.Deserialize<TaskSnapshot>(_payload)!.Operators.Count;
}
