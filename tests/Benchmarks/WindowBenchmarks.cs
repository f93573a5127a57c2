using BenchmarkDotNet.Attributes;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>
/// The window operator as q5's first stage runs it (bids counted per auction) over a million bids of the Nexmark
/// stream, with the watermark advancing every 1,000 bids as a source's would (newest time − 4 s) and everything
/// fired at the end: tumbling 10 s windows against sliding windows of 10 s every 2 s, per bid. At the default rate
/// the bids span 109 ms of event time (every window fires at the end), so it runs again with the rate lowered to
/// 10,000 events per second of event time, where windows open and fire throughout.
/// </summary>
[MemoryDiagnoser]
public class WindowBenchmarks
{
    private const int Bids = 1_000_000;
    private StreamRecord<Bid>[] _bids = [];

    [Params("tumbling", "sliding")]
    public string Windows { get; set; } = "tumbling";

    [Params(10_000, 10_000_000)]
    public double EventsPerSecond { get; set; }

    [GlobalSetup]
    public void Setup() => _bids = SampleData.Bids(Bids, new NexmarkConfig { EventsPerSecond = EventsPerSecond });

    [Benchmark(OperationsPerInvoke = Bids)]
    public void CountPerAuction()
    {
        EventTimeWindows windows = Windows == "tumbling"
            ? TumblingEventTimeWindows.Of(Query5.WindowSize)
            : SlidingEventTimeWindows.Of(Query5.WindowSize, Query5.WindowSlide);
        var count = (WindowAggregateTransformation<Bid, long, long, long>)new JobBuilder("bench")
            .Generate("bids", i => _bids[i].Value, Bids)
            .KeyBy(b => b.Auction)
            .Window(windows)
            .Count("counts")
            .Transformation;
        var context = new OperatorContext(new TaskId("bench", "counts", 0), 128, KeyGroups.RangeOf(0, 128, 1), null!, null!, null!, checkpointing: false);
        var window = new WindowAggregateOperator<Bid, long, long, long>(count);
        window.Open(context);
        window.ConnectOutput(null, []);
        var newest = long.MinValue;
        for (var i = 0; i < _bids.Length; i++)
        {
            var (bid, timestamp) = _bids[i];
            window.Accept(bid, timestamp);
            newest = Math.Max(newest, timestamp);
            if (i % 1_000 == 999)
            {
                context.CurrentInputWatermark = context.CurrentWatermark = newest - 4_001;
                window.OnWatermark(context.CurrentWatermark, int.MaxValue);
            }
        }

        window.OnWatermark(long.MaxValue, int.MaxValue);
    }
}
