namespace OrleansCheckpoint.Client.Bench;

/// <summary>What <c>client bench</c> runs.</summary>
/// <param name="Queries">The Nexmark queries to run (q0, q1, …), and "ingest" for the push path.</param>
/// <param name="Events">Events each query generates, per run.</param>
/// <param name="IngestEvents">Events pushed by the ingest entry, per run.</param>
/// <param name="Parallelism">Instances per operator.</param>
/// <param name="EventsPerSecond">The generator's event-time rate.</param>
/// <param name="BatchSize">Records per channel batch (the silo's setting, reported).</param>
/// <param name="CheckpointIntervalMs">The interval of the exactly-once runs.</param>
internal sealed record BenchSettings(
    IReadOnlyList<string> Queries, long Events, long IngestEvents, int Parallelism, double EventsPerSecond, int BatchSize, int CheckpointIntervalMs)
{
    public const string Ingest = "ingest";

    public const long DefaultEvents = 100_000_000; // Flink's published runs: 100 million

    public const long DefaultIngestEvents = 2_000_000;

    public static IReadOnlyList<string> DefaultQueries { get; } = [.. OrleansCheckpoint.Jobs.Nexmark.NexmarkQueries.Names, Ingest];

    /// <summary>Events of the unmeasured run of each query before its measured ones (JIT tiering, grain activation, pools).</summary>
    public long WarmupEvents => Math.Min(Events, 500_000);
}
