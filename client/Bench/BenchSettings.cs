namespace OrleansCheckpoint.Cli.Bench;

/// <summary>What <c>client bench</c> runs.</summary>
/// <param name="Queries">The Nexmark queries to run (q0, q1, …), and "ingest" for the push path.</param>
/// <param name="Events">Events each query generates, per run; <c>null</c> for each query's default (<see cref="DefaultEventsOf"/>).</param>
/// <param name="IngestEvents">Events pushed by the ingest entry, per run.</param>
/// <param name="Parallelism">Instances per operator.</param>
/// <param name="EventsPerSecond">The generator's event-time rate.</param>
/// <param name="BatchSize">Records per channel batch (the silo's setting, reported).</param>
/// <param name="CheckpointIntervalMs">The interval of the exactly-once runs.</param>
/// <param name="RecoveryQuery">The query the "recovery" entry injects a failure into.</param>
/// <param name="StateKeys">The keys of the "large-state" entry's state.</param>
/// <param name="ChangeFraction">The share of those keys the "large-state" entry changes per second.</param>
/// <param name="Incremental">Whether the runs with checkpoints write only what changed (the silo's default) or every instance's whole state.</param>
internal sealed record BenchSettings(
    IReadOnlyList<string> Queries,
    long? Events,
    long IngestEvents,
    int Parallelism,
    double EventsPerSecond,
    int BatchSize,
    int CheckpointIntervalMs,
    string RecoveryQuery = BenchSettings.DefaultRecoveryQuery,
    long StateKeys = BenchSettings.DefaultStateKeys,
    double ChangeFraction = BenchSettings.DefaultChangeFraction,
    bool Incremental = true)
{
    public const string Ingest = "ingest";

    /// <summary>The keyed job whose state is large and changes by a small fraction per second (run only when asked for).</summary>
    public const string LargeState = "large-state";

    public const long DefaultStateKeys = 10_000_000;

    public const double DefaultChangeFraction = 0.01;

    /// <summary>The entry that measures the time from an injected failure to processing resumed.</summary>
    public const string Recovery = "recovery";

    /// <summary>q4: the most state of the queries, so the slowest restore.</summary>
    public const string DefaultRecoveryQuery = "q4";

    public const long DefaultEvents = 100_000_000; // Flink's published runs: 100 million

    /// <summary>
    /// The default of the queries whose state grows with the events: at the reference rate (10M events/s of event
    /// time) 100 million events are 10 s of event time, so no q5/q8 window and few q4 auctions close before the
    /// end — every open window and auction is held in memory at once (Flink keeps them in RocksDB, on disk).
    /// </summary>
    public const long DefaultStatefulEvents = 20_000_000;

    public const long DefaultIngestEvents = 2_000_000;

    public static IReadOnlyList<string> DefaultQueries { get; } = [.. OrleansCheckpoint.Jobs.Nexmark.NexmarkQueries.Names, Ingest, Recovery];

    /// <summary>Every entry <c>--queries</c> accepts: the defaults and <see cref="LargeState"/> (minutes and gigabytes by default).</summary>
    public static IReadOnlyList<string> KnownQueries { get; } = [.. DefaultQueries, LargeState];

    /// <summary>The Nexmark queries among <see cref="Queries"/>.</summary>
    public IEnumerable<string> NexmarkQueries => Queries.Where(q => q is not (Ingest or Recovery or LargeState));

    /// <summary>The queries run with <see cref="DefaultStatefulEvents"/> unless <c>--events</c> says otherwise.</summary>
    public static IReadOnlySet<string> StatefulQueries { get; } = new HashSet<string> { "q3", "q4", "q5", "q8" };

    /// <summary>A query's default number of events per run.</summary>
    public static long DefaultEventsOf(string query) => StatefulQueries.Contains(query) ? DefaultStatefulEvents : DefaultEvents;

    /// <summary>The events <paramref name="query"/> generates per measured run.</summary>
    public long EventsOf(string query) => Events ?? DefaultEventsOf(query);

    /// <summary>Events of the unmeasured run of each query before its measured ones (JIT tiering, grain activation, pools).</summary>
    public long WarmupEventsOf(string query) => Math.Min(EventsOf(query), 500_000);
}
