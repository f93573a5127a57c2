using System.IO.Hashing;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>
/// The snapshot payload codec: what the runtime stores (Orleans' binary serializer through
/// <see cref="SnapshotStore"/>, framed by <see cref="SnapshotBlobSerializer"/>) against System.Text.Json of the same
/// keyed state, for 100,000 keys of counts and of records (a Nexmark bid per auction). Each side computes the
/// checksum, as the store does. The stored sizes are printed at set-up (<c>// snapshot bytes: …</c>).
/// Run: <c>dotnet run -c Release --project tests/Benchmarks -- --filter '*SnapshotCodec*'</c>.
/// </summary>
[MemoryDiagnoser]
public class SnapshotCodecBenchmarks
{
    private const int Keys = 100_000;
    private const int MaxParallelism = 128;
    private SnapshotStore _store = null!;
    private Serializer _serializer = null!;
    private SnapshotBlobSerializer _blobs = null!;
    private TaskSnapshot _snapshot = null!;
    private object _state = null!;
    private BinaryData _binary = null!;
    private byte[] _json = [];

    /// <summary><c>counts</c>: a long per key; <c>records</c>: a bid (about 100 bytes) per key.</summary>
    [Params("counts", "records")]
    public string Values { get; set; } = "counts";

    [GlobalSetup]
    public void Setup()
    {
        _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        _store = new SnapshotStore(storage: null!, _serializer); // only its serialization is measured
        _blobs = new SnapshotBlobSerializer(json: null!); // snapshots never reach the JSON serializer it wraps
        _state = Values == "counts" ? SampleData.Table(Keys, MaxParallelism, key => key * 7).Snapshot() : SampleData.Table(Keys, MaxParallelism, SampleData.BidFor).Snapshot();
        _snapshot = new TaskSnapshot(new TaskId("bench", "state", 0), 1, [new OperatorSnapshot("state", _state)]);
        _binary = WriteBinary();
        _json = WriteJson();
        Console.WriteLine($"// snapshot bytes ({Values}, {Keys:N0} keys): binary {_binary.ToMemory().Length:N0}, json {_json.Length:N0}, json/binary {(double)_json.Length / _binary.ToMemory().Length:0.00}");
    }

    [Benchmark(Baseline = true)]
    public BinaryData WriteBinary()
    {
        var (payload, checksum) = _store.Serialize(_snapshot);
        return _blobs.Serialize(new StoredSnapshot { Payload = payload, Checksum = checksum });
    }

    [Benchmark]
    public byte[] WriteJson()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(_state, _state.GetType());
        _ = XxHash64.HashToUInt64(json);
        return json;
    }

    [Benchmark]
    public int ReadBinary()
    {
        var stored = _blobs.Deserialize<StoredSnapshot>(_binary)!;
        _ = XxHash64.HashToUInt64(stored.Payload);
        return _serializer.Deserialize<TaskSnapshot>(stored.Payload)!.Operators.Count;
    }

    [Benchmark]
    public int ReadJson()
    {
        _ = XxHash64.HashToUInt64(_json);
        return JsonSerializer.Deserialize(_json, _state.GetType()) is null ? 0 : 1;
    }
}
