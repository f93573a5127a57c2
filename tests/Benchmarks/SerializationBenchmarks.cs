using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>
/// What a channel batch of 512 bids costs to cross between silos (Orleans serializer round trip) and within a
/// silo (the deep copy Orleans makes of call arguments: none, since batches are [Immutable]). Per record.
/// </summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private const int Records = 512;
    private Serializer _serializer = null!;
    private DeepCopier _copier = null!;
    private ChannelBatch _batch = null!;
    private byte[] _bytes = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        _serializer = services.GetRequiredService<Serializer>();
        _copier = services.GetRequiredService<DeepCopier>();
        _batch = new ChannelBatch<Bid> { Generation = 1, SenderVertex = 0, SenderPartition = 0, Sequence = 1, Records = SampleData.Bids(Records) };
        _bytes = _serializer.SerializeToArray(_batch);
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public int Serialize()
    {
        _buffer.ResetWrittenCount();
        _serializer.Serialize(_batch, _buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public int Deserialize() => _serializer.Deserialize<ChannelBatch>(_bytes)!.Count;

    [Benchmark(OperationsPerInvoke = Records)]
    public int RoundTrip() => _serializer.Deserialize<ChannelBatch>(_serializer.SerializeToArray(_batch))!.Count;

    /// <summary>The copy Orleans makes of an argument of a call within a silo: an [Immutable] batch is passed as it is.</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public int CopyWithinSilo() => _copier.Copy(_batch).Count;
}
