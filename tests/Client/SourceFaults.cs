using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// Wraps the source grains the pusher talks to: records every attempt, and fails chosen attempts — before the real
/// push (the silo never saw it) or after it (the silo logged it, but its acknowledgement was lost).
/// </summary>
internal sealed class SourceFaults(IClusterClient client)
{
    private readonly List<Attempt> _attempts = [];
    private readonly List<Fault> _faults = [];

    /// <summary>Every push attempt, in the order they were made.</summary>
    public IReadOnlyList<Attempt> Attempts
    {
        get
        {
            lock (_attempts)
            {
                return [.. _attempts];
            }
        }
    }

    /// <summary>Fails the next <paramref name="times"/> attempts of the batch that starts at <paramref name="firstLine"/> with <paramref name="error"/>.</summary>
    public SourceFaults Fail(long firstLine, Func<Exception> error, bool afterTheRealPush, int times = 1)
    {
        _faults.Add(new Fault(firstLine, error, afterTheRealPush, times));
        return this;
    }

    /// <summary>The pusher's access to the source partitions.</summary>
    public ISourceGrain Source(TaskId task) => new FaultySource(this, task.GrainKey, client.GetGrain<ISourceGrain>(task.GrainKey));

    private Fault? Take(PushBatch batch, bool afterTheRealPush)
    {
        lock (_faults)
        {
            var fault = _faults.FirstOrDefault(f => f.FirstLine == batch.FirstLine && f.AfterTheRealPush == afterTheRealPush && f.Remaining > 0);
            if (fault is not null)
            {
                fault.Remaining--;
            }

            return fault;
        }
    }

    /// <summary>One attempt to push <see cref="Batch"/> to the partition <see cref="Task"/>.</summary>
    public sealed record Attempt(string Task, PushBatch Batch);

    private sealed class Fault(long firstLine, Func<Exception> error, bool afterTheRealPush, int times)
    {
        public long FirstLine { get; } = firstLine;

        public Func<Exception> Error { get; } = error;

        public bool AfterTheRealPush { get; } = afterTheRealPush;

        public int Remaining { get; set; } = times;
    }

    private sealed class FaultySource(SourceFaults faults, string task, ISourceGrain source) : ISourceGrain
    {
        public Task<long> GetProducerSequenceAsync(string producerId) => source.GetProducerSequenceAsync(producerId);

        public async Task<PushResult> PushAsync(PushBatch batch)
        {
            lock (faults._attempts)
            {
                faults._attempts.Add(new Attempt(task, batch));
            }

            if (faults.Take(batch, afterTheRealPush: false) is { } before)
            {
                throw before.Error();
            }

            var result = await source.PushAsync(batch);
            return faults.Take(batch, afterTheRealPush: true) is { } after ? throw after.Error() : result;
        }
    }
}
