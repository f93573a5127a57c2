using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q7's first stage: of one key's bids (a share of the prices), forwards those that may equal the maximum price of a
/// window they can join — the window they fall in, and, for a bid placed exactly at a window's start, also the window
/// before, whose end it is (q7's condition includes <c>window_end</c>). A bid below the highest price this key has
/// seen in each of those windows is below that window's maximum, so the join could never output it: it is dropped.
/// Ties are forwarded. State: the highest price so far per open window (a few entries a key), each forgotten by a
/// timer once the watermark reaches its window's end, when no bid that could still be compared with it is on time.
/// </summary>
/// <param name="windowMs">The window length, in milliseconds.</param>
internal sealed class MaxPriceCandidates(long windowMs) : KeyedProcessFunction<int, Bid, Bid>
{
    private const string MaximaState = "running-maxima";

    public override void ProcessElement(Bid value, IKeyedContext<int> context, ICollector<Bid> output)
    {
        var t = value.DateTime.ToUnixTimeMilliseconds();
        var start = t - (t % windowMs);
        var state = context.GetValueState<RunningMax[]>(MaximaState);
        var maxima = state.Value ?? [];
        var own = Find(maxima, start);
        var mayBeOwnMax = own is not { } o || value.Price >= o.Price;
        var mayBePreviousMax = t == start && (Find(maxima, start - windowMs) is not { } p || value.Price >= p.Price);
        if (mayBeOwnMax || mayBePreviousMax)
        {
            output.Collect(value);
        }

        if (own is null)
        {
            state.Update([.. maxima, new RunningMax(start, value.Price)]); // a new array: state values are never changed in place
            context.RegisterEventTimeTimer(start + windowMs);
        }
        else if (value.Price > own.Value.Price)
        {
            state.Update([.. maxima.Select(m => m.WindowStart == start ? m with { Price = value.Price } : m)]);
        }
    }

    public override void OnTimer(long timestamp, IKeyedContext<int> context, ICollector<Bid> output)
    {
        var state = context.GetValueState<RunningMax[]>(MaximaState);
        if (state.Value is not { } maxima)
        {
            return;
        }

        var open = maxima.Where(m => m.WindowStart + windowMs > timestamp).ToArray();
        if (open.Length == 0)
        {
            state.Clear();
        }
        else if (open.Length < maxima.Length)
        {
            state.Update(open);
        }
    }

    private static RunningMax? Find(RunningMax[] maxima, long start)
    {
        foreach (var m in maxima)
        {
            if (m.WindowStart == start)
            {
                return m;
            }
        }

        return null;
    }
}
