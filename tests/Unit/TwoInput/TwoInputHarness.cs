using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Tests.Unit.TwoInput;

/// <summary>
/// A two-input operator on its own, made by the runtime's factory from a job built with the public API: batches fed to
/// either input by hand (each with its channel's watermark), watermarks, snapshots through Orleans' serializer, output
/// collected with timestamps. State values are copied on write as in a silo.
/// </summary>
internal sealed class TwoInputHarness<T1, T2, TOut>
{
    private const int MaxParallelism = 128;
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private readonly OperatorContext _context = new(new TaskId("test", "two", 0), MaxParallelism, KeyGroups.RangeOf(0, MaxParallelism, 1), null!, null!, null!, checkpointing: true)
    {
        Copiers = new StateCopiers(Services.GetRequiredService<IDeepCopierProvider>(), Services.GetRequiredService<DeepCopier>()),
    };

    private readonly Func<DataStream<T1>, DataStream<T2>, DataStream<TOut>> _build;
    private StreamOperator _operator = null!;

    public TwoInputHarness(Func<DataStream<T1>, DataStream<T2>, DataStream<TOut>> build)
    {
        _build = build;
        Reopen();
    }

    private readonly CollectingWriter<TOut> _output = new();

    public List<(TOut Value, long Timestamp)> Output => _output.Records;

    public long LateRecords => _context.Counters.LateRecordsDropped;

    public StreamOperator Operator => _operator;

    /// <summary>Records of input 1 at their timestamps, arriving on a channel whose watermark is <paramref name="channelWatermark"/>.</summary>
    public void First(long channelWatermark, params (T1 Value, long Time)[] records) => Feed(0, channelWatermark, records);

    /// <summary>Records of input 2 at their timestamps, arriving on a channel whose watermark is <paramref name="channelWatermark"/>.</summary>
    public void Second(long channelWatermark, params (T2 Value, long Time)[] records) => Feed(1, channelWatermark, records);

    public void First(params (T1 Value, long Time)[] records) => Feed(0, _context.CurrentWatermark, records);

    public void Second(params (T2 Value, long Time)[] records) => Feed(1, _context.CurrentWatermark, records);

    public void Watermark(long watermark)
    {
        _context.CurrentWatermark = watermark;
        while (!_operator.OnWatermark(watermark, budget: 2)) // in slices, as a task fires them
        {
        }
    }

    /// <summary>Takes a snapshot, serializes it and restores it into a new operator (what a recovery does), keeping the watermark.</summary>
    public void SnapshotAndRestore()
    {
        var serializer = Services.GetRequiredService<Serializer>();
        var snapshot = serializer.Deserialize<object>(serializer.SerializeToArray(_operator.SnapshotState(checkpointId: 1)));
        Reopen();
        _operator.RestoreState(snapshot!);
        (_operator as IIncrementalStateOperator)?.OnSectionsRestored();
    }

    /// <summary>The entries of a value state, by key.</summary>
    public List<KeyValuePair<string, TValue>> State<TValue>(string name) => [.. ((IKeyedStateViews)_operator).ValueState<string, TValue>(name)];

    private void Reopen()
    {
        var builder = new JobBuilder("test");
        var transformation = _build(builder.Source("one", _ => default(T1)!), builder.Source("two", _ => default(T2)!)).Transformation;
        _operator = transformation.Accept(OperatorFactory.Instance);
        _operator.Open(_context);
        _operator.ConnectOutput(null, [_output]);
    }

    private void Feed<T>(int input, long channelWatermark, (T Value, long Time)[] records)
    {
        _context.CurrentInputWatermark = channelWatermark;
        _operator.ProcessBatch(
            new ChannelBatch<T> { Generation = 1, SenderVertex = input, SenderPartition = 0, Sequence = 1, Records = [.. records.Select(r => new StreamRecord<T>(r.Value, r.Time))] },
            input);
    }
}
