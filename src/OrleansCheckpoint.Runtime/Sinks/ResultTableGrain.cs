using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>The persisted state of a result table partition.</summary>
[GenerateSerializer]
internal sealed class ResultTableState
{
    [Id(0)]
    public Dictionary<string, string> Values { get; set; } = [];

    /// <summary>The checkpoint of the last commit applied.</summary>
    [Id(1)]
    public long CheckpointId { get; set; }
}

/// <summary>A partition of a job's result table, persisted through the jobs grain storage.</summary>
internal sealed class ResultTableGrain(
    [PersistentState("table", CheckpointSiloBuilderExtensions.JobStorageName)] IPersistentState<ResultTableState> state) : Grain, IResultTableGrain
{
    public static string Key(string job, string table, int partition) => $"{job}/{table}/{partition}";

    public async Task CommitAsync(long checkpointId, IReadOnlyDictionary<string, string> upserts)
    {
        if (checkpointId < state.State.CheckpointId)
        {
            return; // a later checkpoint's values are applied already
        }

        foreach (var (key, value) in upserts)
        {
            state.State.Values[key] = value;
        }

        state.State.CheckpointId = checkpointId;
        await state.WriteStateAsync();
    }

    public Task<(string? ValueJson, long CheckpointId)> GetAsync(string key) =>
        Task.FromResult((state.State.Values.GetValueOrDefault(key), state.State.CheckpointId));
}
