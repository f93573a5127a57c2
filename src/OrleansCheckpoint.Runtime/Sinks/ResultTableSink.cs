using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>
/// Keeps the latest value of each key: a transaction holds the last upsert per key of its epoch, and a commit
/// applies it to this partition's <see cref="IResultTableGrain"/>.
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

    protected override Task CommitAsync(long checkpointId, bool final, Dictionary<string, string> transaction) =>
        Context.Grains.GetGrain<IResultTableGrain>(ResultTableGrain.Key(Context.Task.Job, sink.Uid, Context.Task.Partition)).CommitAsync(checkpointId, transaction);
}
