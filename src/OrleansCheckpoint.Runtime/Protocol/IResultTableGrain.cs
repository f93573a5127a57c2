namespace OrleansCheckpoint.Grains;

/// <summary>
/// One partition of a job's result table (key: <c>job/table/partition</c>): the committed value of each of its
/// keys, persisted through grain storage. Written only by the table's sink instance of that partition, when a
/// checkpoint completes; a commit is applied in checkpoint order and re-applying one is harmless.
/// </summary>
internal interface IResultTableGrain : IGrainWithStringKey
{
    /// <summary>Applies the upserts of checkpoint <paramref name="checkpointId"/> unless a later checkpoint's are already applied.</summary>
    Task CommitAsync(long checkpointId, IReadOnlyDictionary<string, string> upserts);

    /// <summary>The committed value of <paramref name="key"/> (JSON, or null) and the checkpoint of the table's last commit.</summary>
    Task<(string? ValueJson, long CheckpointId)> GetAsync(string key);
}
