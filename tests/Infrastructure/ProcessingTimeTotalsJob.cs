using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// Each key's total, emitted by a processing-time timer: a key's first record arms a timer <see cref="Delay"/> later;
/// when it fires before all the key's records arrived (each record says how many its key has), it re-arms; otherwise it
/// emits the key's sum and count and clears the key's state. So every key is emitted once, with its full total, however
/// the records and the clock interleave; a timer that fires for a key with no state emits an empty total, which no
/// input explains.
/// </summary>
public sealed class ProcessingTimeTotalsJob : IStreamJob
{
    public const string Name = "ptime-totals";
    public const string WholeName = "ptime-totals-whole"; // run with whole snapshots rather than incremental pieces
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(300);

    public void Build(JobBuilder job) =>
        job.Source("tallies", JsonLines.Parser<Tally>())
            .KeyBy(t => t.Key)
            .Process("totals", () => new TotalAfterDelay())
            .ToFiles("total-files");

    private sealed class TotalAfterDelay : KeyedProcessFunction<string, Tally, KeyTotal>
    {
        public override void ProcessElement(Tally value, IKeyedContext<string> context, ICollector<KeyTotal> output)
        {
            var state = context.GetValueState<TallyState>("tally");
            var tally = state.Value;
            if (tally is null)
            {
                context.RegisterProcessingTimeTimer(context.CurrentProcessingTime + (long)Delay.TotalMilliseconds);
                tally = new TallyState(0, 0, value.Of);
            }

            state.Update(tally with { Sum = tally.Sum + value.Amount, Seen = tally.Seen + 1 });
        }

        public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<KeyTotal> output)
        {
            var state = context.GetValueState<TallyState>("tally");
            if (state.Value is { } tally && tally.Seen < tally.Of)
            {
                context.RegisterProcessingTimeTimer(context.CurrentProcessingTime + (long)Delay.TotalMilliseconds); // not all of it yet
                return;
            }

            output.Collect(new KeyTotal(context.CurrentKey, state.Value?.Sum ?? 0, state.Value?.Seen ?? 0, context.TimeDomain.ToString()!));
            state.Clear();
        }
    }
}

/// <summary>An amount for a key that has <paramref name="Of"/> records in all.</summary>
[GenerateSerializer]
public sealed record Tally(string Key, long Amount, int Of);

/// <summary>A key's sum and count, and the kind of timer that emitted it.</summary>
[GenerateSerializer]
public sealed record KeyTotal(string Key, long Sum, int Count, string Domain);

/// <summary>What a key has counted so far.</summary>
[GenerateSerializer]
public sealed record TallyState(long Sum, int Seen, int Of);
