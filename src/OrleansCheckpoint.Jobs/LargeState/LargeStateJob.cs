using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.LargeState;

/// <summary>
/// What the large-state job generates: first every one of <paramref name="Keys"/> keys once (the state is populated),
/// then <paramref name="Updates"/> updates confined to a window of <paramref name="HotKeys"/> keys that holds for
/// <paramref name="Dwell"/> passes over it before moving on to the next <paramref name="HotKeys"/> keys (wrapping at
/// <paramref name="Keys"/>). At U updates per second, U / <paramref name="Dwell"/> distinct keys change per second: the
/// change rate is set by the dwell, not by a clock, so the input stays a pure function of the index (a restore
/// generates the same updates again).
/// </summary>
/// <param name="Keys">Distinct keys in the state (N).</param>
/// <param name="HotKeys">Keys of one window: at most the keys that change between two checkpoints (F·N).</param>
/// <param name="Dwell">Updates of each key of a window before the window moves on (at least 1).</param>
/// <param name="Updates">Updates after the population; the job ends after them.</param>
public sealed record LargeStateSettings(long Keys, long HotKeys, long Dwell, long Updates)
{
    /// <summary>The updates of an endless run (one stopped from outside).</summary>
    public const long Endless = long.MaxValue / 2;

    /// <summary>Every record the job generates: the population and the updates.</summary>
    public long Events => Keys + Updates;

    /// <summary>The key of the record at <paramref name="index"/>.</summary>
    public long KeyAt(long index)
    {
        if (index < Keys)
        {
            return index;
        }

        var update = index - Keys;
        var window = update / (HotKeys * Dwell);
        return ((window * HotKeys) + (update % HotKeys)) % Keys; // window · HotKeys ≤ update: no overflow
    }

    /// <summary>The problems of these settings (none when valid).</summary>
    public IEnumerable<string> Problems()
    {
        if (Keys < 1)
        {
            yield return $"keys must be at least 1 (got {Keys})";
        }

        if (HotKeys < 1 || HotKeys > Keys)
        {
            yield return $"hot keys must be from 1 to the keys, {Keys} (got {HotKeys})";
        }

        if (Dwell < 1)
        {
            yield return $"dwell must be at least 1 (got {Dwell})";
        }

        if (Updates < 0 || Updates > Endless)
        {
            yield return $"updates must be from 0 to {Endless} (got {Updates})";
        }
    }
}

/// <summary>
/// <c>client bench</c>'s large-state job: a generated stream of keys (<see cref="LargeStateSettings"/>) keyed by
/// itself into one value state per key, the number of times the key was seen. Nothing is emitted: the job's cost
/// is the state's upkeep and its checkpoints.
/// </summary>
public sealed class LargeStateJob(LargeStateSettings settings) : IStreamJob
{
    /// <summary>The uid of the generator source.</summary>
    public const string SourceUid = "keys";

    /// <summary>The uid of the keyed operator that holds the state.</summary>
    public const string StateUid = "counts-per-key";

    /// <inheritdoc />
    public void Build(JobBuilder job)
    {
        if (settings.Problems().FirstOrDefault() is { } problem)
        {
            throw new ArgumentException($"large-state: {problem}.", nameof(settings));
        }

        job.Generate(SourceUid, settings.KeyAt, settings.Events)
            .KeyBy(key => key)
            .Process(StateUid, () => new CountPerKey());
    }

    /// <summary>Counts the records of each key in a value state; emits nothing.</summary>
    private sealed class CountPerKey : KeyedProcessFunction<long, long, long>
    {
        public override void ProcessElement(long value, IKeyedContext<long> context, ICollector<long> output)
        {
            var count = context.GetValueState<long>("count");
            count.Update(count.Value + 1);
        }
    }
}
