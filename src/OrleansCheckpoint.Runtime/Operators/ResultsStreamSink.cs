using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Publishes records as JSON on the job's results stream, one stream item per processed batch.</summary>
internal sealed class ResultsStreamSink<T>(ResultsStreamSinkTransformation<T> sink) : OneInputOperator<T, T>(sink)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly List<string> _pending = [];

    public override void Accept(T value, long timestamp)
    {
        _pending.Add(JsonSerializer.Serialize(value, Json));
        Output.Accept(value, timestamp);
    }

    public override async ValueTask FlushAsync()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = new ResultBatch(sink.Uid, Context.Task.Partition, [.. _pending]);
        _pending.Clear();
        await Context.Results.PublishAsync(batch);
        Context.Counters.ResultsEmitted += batch.Records.Length;
    }
}
