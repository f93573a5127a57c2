using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>The persisted state of a key group of a result table.</summary>
[GenerateSerializer]
internal sealed class ResultTableState
{
    [Id(0)]
    public Dictionary<string, string> Values { get; set; } = [];

    /// <summary>The newest checkpoint whose commit was applied.</summary>
    [Id(1)]
    public long CheckpointId { get; set; }

    /// <summary>Per key, the checkpoint whose commit wrote its value: an older commit does not replace it.</summary>
    [Id(2)]
    public Dictionary<string, long> Written { get; set; } = [];
}

/// <summary>
/// A key group of a job's result table, persisted through the jobs grain storage. Keyed by key group (fixed for the
/// job's life), so a rescale moves no committed value; a commit may come from any instance that owns or owned the key
/// group, in any order: each key keeps the value of the newest checkpoint that wrote it.
/// </summary>
internal sealed class ResultTableGrain(
    [PersistentState("table", CheckpointSiloBuilderExtensions.JobStorageName)] IPersistentState<ResultTableState> state) : Grain, IResultTableGrain
{
    public static string Key(string job, string table, int keyGroup) => $"{job}/{table}/kg{keyGroup}";

    public async Task CommitAsync(long checkpointId, IReadOnlyDictionary<string, string> upserts)
    {
        var changed = false;
        foreach (var (key, value) in upserts)
        {
            if (state.State.Written.GetValueOrDefault(key) <= checkpointId)
            {
                changed |= !state.State.Values.TryGetValue(key, out var old) || old != value || state.State.Written.GetValueOrDefault(key) != checkpointId;
                state.State.Values[key] = value;
                state.State.Written[key] = checkpointId;
            }
        }

        if (changed || checkpointId > state.State.CheckpointId)
        {
            state.State.CheckpointId = Math.Max(state.State.CheckpointId, checkpointId);
            await state.WriteStateAsync();
        }
    }

    public Task<(string? ValueJson, long CheckpointId)> GetAsync(string key) =>
        Task.FromResult((state.State.Values.GetValueOrDefault(key), state.State.CheckpointId));
}
