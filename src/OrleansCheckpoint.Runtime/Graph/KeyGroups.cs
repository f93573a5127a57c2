namespace OrleansCheckpoint.Runtime.Graph;

/// <summary>
/// Key groups, as Flink defines them: a key belongs to key group <c>hash mod maxParallelism</c>, and each
/// instance of a keyed operator owns a contiguous range of key groups. maxParallelism is fixed when a job is
/// first started, so state can later be redistributed to another parallelism by moving whole key groups.
/// </summary>
internal static class KeyGroups
{
    /// <summary>The key group of a key with stable hash <paramref name="hash"/>.</summary>
    public static int Of(ulong hash, int maxParallelism) => (int)(hash % (ulong)maxParallelism);

    /// <summary>The instance (0-based) that owns <paramref name="keyGroup"/>.</summary>
    public static int PartitionOf(int keyGroup, int maxParallelism, int parallelism) => keyGroup * parallelism / maxParallelism;

    /// <summary>The key groups owned by instance <paramref name="partition"/>.</summary>
    public static KeyGroupRange RangeOf(int partition, int maxParallelism, int parallelism)
    {
        var start = ((partition * maxParallelism) + parallelism - 1) / parallelism;
        var end = (((partition + 1) * maxParallelism) - 1) / parallelism;
        return new KeyGroupRange(start, end);
    }
}

/// <summary>An inclusive range of key groups.</summary>
/// <param name="Start">The first key group.</param>
/// <param name="End">The last key group (inclusive).</param>
internal readonly record struct KeyGroupRange(int Start, int End)
{
    public int Count => End - Start + 1;

    public bool Contains(int keyGroup) => keyGroup >= Start && keyGroup <= End;
}
