using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>
/// The state piece codec of incremental checkpoints against today's whole-snapshot path (a <see cref="TaskSnapshot"/>
/// through Orleans' serializer, as <see cref="SnapshotCodecBenchmarks"/> measures it) for the same 100,000 keys, counts
/// and records (a Nexmark bid per key, which the piece codec writes through Orleans' codec one value at a time). Each
/// side computes the checksum and frames the blob, as the store does; reading applies the entries to a table. Sizes
/// are printed at set-up (<c>// piece bytes: …</c>).
/// Run: <c>dotnet run -c Release --project tests/Benchmarks -- --filter '*PieceCodec*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class PieceCodecBenchmarks
{
    private const int Keys = 100_000;
    private const int MaxParallelism = 128;
    private static readonly KeyGroupRange AllGroups = KeyGroups.RangeOf(0, MaxParallelism, 1);
    private SnapshotStore _store = null!;
    private Serializer _serializer = null!;
    private SnapshotBlobSerializer _blobs = null!;
    private TaskSnapshot _snapshot = null!;
    private IStateSection _section = null!;
    private Action<ReadOnlyMemory<byte>> _apply = null!;
    private BinaryData _whole = null!;
    private BinaryData _piece = null!;

    /// <summary><c>counts</c>: a long per key; <c>records</c>: a bid (about 100 bytes) per key.</summary>
    [Params("counts", "records")]
    public string Values { get; set; } = "counts";

    [GlobalSetup]
    public void Setup()
    {
        _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        _store = new SnapshotStore(storage: null!, _serializer); // only its serialization is measured
        _blobs = new SnapshotBlobSerializer(json: null!);
        if (Values == "counts")
        {
            Prepare(key => key * 7);
        }
        else
        {
            Prepare(SampleData.BidFor);
        }

        _whole = WriteTaskSnapshot();
        _piece = WritePiece();
        Console.WriteLine($"// piece bytes ({Values}, {Keys:N0} keys): task snapshot {_whole.ToMemory().Length:N0}, piece {_piece.ToMemory().Length:N0}, piece/snapshot {(double)_piece.ToMemory().Length / _whole.ToMemory().Length:0.00}");
    }

    [Benchmark(Baseline = true)]
    public BinaryData WriteTaskSnapshot()
    {
        var (payload, checksum) = _store.Serialize(_snapshot);
        return _blobs.Serialize(new StoredSnapshot { Payload = payload, Checksum = checksum });
    }

    [Benchmark]
    public BinaryData WritePiece()
    {
        var payload = StatePieceCodec.Encode([("state", _section)], _store.Codecs);
        return _blobs.Serialize(new StoredSnapshot { Payload = payload, Checksum = SnapshotStore.Checksum(payload), Format = SnapshotFormat.Piece });
    }

    [Benchmark]
    public int ReadTaskSnapshot()
    {
        var stored = _blobs.Deserialize<StoredSnapshot>(_whole)!;
        _ = XxHash64.HashToUInt64(stored.Payload);
        return _serializer.Deserialize<TaskSnapshot>(stored.Payload)!.Operators.Count;
    }

    [Benchmark]
    public int ReadPiece()
    {
        var stored = _blobs.Deserialize<StoredSnapshot>(_piece)!;
        _ = XxHash64.HashToUInt64(stored.Payload);
        var sections = StatePieceCodec.Decode(stored.Payload);
        foreach (var section in sections)
        {
            _apply(section.Entries);
        }

        return sections.Count;
    }

    private void Prepare<TValue>(Func<long, TValue> value)
    {
        var table = SampleData.Table(Keys, MaxParallelism, value);
        _snapshot = new TaskSnapshot(new TaskId("bench", "state", 0), 1, [new OperatorSnapshot("state", table.Snapshot())]);
        _section = table.CaptureAll("values");
        _apply = entries => new KeyedStateTable<long, TValue>(AllGroups).Apply(entries, _store.Codecs);
    }
}
