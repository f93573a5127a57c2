using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>
/// Keeps the latest value of each key: a transaction holds the last upsert per key of its epoch, and a commit applies it
/// to the <see cref="IResultTableGrain"/> of each key group it touches. The table is stored by key group, not by instance,
/// so it stays where it is when the job is rescaled; each key's value carries the checkpoint that wrote it, so a commit
/// of a former instance that comes late after a rescale does not undo a newer one.
/// </summary>
internal sealed class ResultTableSink<TKey, TValue>(ResultTableSinkTransformation<TKey, TValue> sink)
    : TwoPhaseCommitSink<KeyedValue<TKey, TValue>, Dictionary<string, string>>(sink)
    where TKey : notnull
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override Dictionary<string, string> Begin() => [];

    protected override void Stage(Dictionary<string, string> transaction, KeyedValue<TKey, TValue> value) =>
        transaction[ResultTableSinkTransformation<TKey, TValue>.FormatKey(value.Key)] = JsonSerializer.Serialize(value.Value, Json);

    protected override bool IsEmpty(Dictionary<string, string> transaction) => transaction.Count == 0;

    protected override void Append(Dictionary<string, string> into, Dictionary<string, string> later)
    {
        foreach (var (key, value) in later)
        {
            into[key] = value; // the later value of a key replaces the earlier one
        }
    }

    protected override Task CommitAsync(int partition, long checkpointId, bool final, Dictionary<string, string> transaction) =>
        Task.WhenAll(transaction
            .GroupBy(upsert => Graph.KeyGroups.Of(sink.HashQueryKey(upsert.Key), Context.MaxParallelism))
            .Select(group => Context.Grains.GetGrain<IResultTableGrain>(ResultTableGrain.Key(Context.Task.Job, sink.Uid, group.Key))
                .CommitAsync(checkpointId, group.ToDictionary(u => u.Key, u => u.Value))));
}
