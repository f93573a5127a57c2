namespace OrleansCheckpoint.Cli.Bench;

/// <summary>
/// Flink 1.13's published Nexmark throughput, in events per second per core (nexmark/nexmark's README: 8 task
/// managers, exactly-once checkpoints every 3 minutes, RocksDB incremental): what <c>client bench</c> compares with.
/// </summary>
internal static class FlinkFigures
{
    private static readonly Dictionary<string, double> PerCore = new()
    {
        ["q0"] = 155_000,
        ["q1"] = 157_900,
        ["q2"] = 175_200,
        ["q3"] = 152_100,
        ["q4"] = 34_300,
        ["q5"] = 22_100,
        ["q7"] = 12_300,
        ["q8"] = 146_100,
    };

    /// <summary>Flink's events per second per core for <paramref name="query"/>, if published.</summary>
    public static double? EventsPerCore(string query) => PerCore.TryGetValue(query, out var figure) ? figure : null;
}
