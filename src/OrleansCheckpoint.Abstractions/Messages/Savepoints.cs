namespace OrleansCheckpoint.Messages;

/// <summary>
/// A savepoint of a job: a self-contained snapshot of its whole state in the canonical format, taken when asked for and
/// kept until disposed of (retention never removes it).
/// </summary>
/// <param name="Id">Its id (from the job's checkpoint ids: <c>client start --from</c> and <c>client inspect</c> take it).</param>
/// <param name="Job">The job.</param>
/// <param name="Path">Where it is stored: <c>{job}/{id}</c>, also accepted wherever an id is.</param>
/// <param name="TriggeredAt">When it was triggered.</param>
/// <param name="CompletedAt">When the last instance's snapshot was durable.</param>
/// <param name="SizeBytes">The bytes of every instance's snapshot.</param>
/// <param name="Parallelism">The job's parallelism when it was taken.</param>
/// <param name="Stopped">Whether the job stopped with it (<c>client stop --savepoint</c>; its sinks committed up to it).</param>
/// <param name="Instances">The snapshot of every operator instance.</param>
[GenerateSerializer, Immutable]
public sealed record SavepointInfo(
    [property: Id(0)] long Id,
    [property: Id(1)] string Job,
    [property: Id(2)] string Path,
    [property: Id(3)] DateTimeOffset TriggeredAt,
    [property: Id(4)] DateTimeOffset CompletedAt,
    [property: Id(5)] long SizeBytes,
    [property: Id(6)] int Parallelism,
    [property: Id(7)] bool Stopped,
    [property: Id(8)] IReadOnlyList<SnapshotHandle> Instances)
{
    /// <summary>From trigger to completion.</summary>
    public double DurationMs => (CompletedAt - TriggeredAt).TotalMilliseconds;

    /// <summary>The path of savepoint <paramref name="id"/> of <paramref name="job"/>.</summary>
    public static string PathOf(string job, long id) => $"{job}/{id}";
}

/// <summary>What <c>client stop --savepoint</c> returns: the job, stopped, and the savepoint it stopped with.</summary>
[GenerateSerializer, Immutable]
public sealed record StopWithSavepointResult([property: Id(0)] JobInfo Job, [property: Id(1)] SavepointInfo Savepoint);
