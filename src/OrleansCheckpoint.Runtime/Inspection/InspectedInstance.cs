using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Inspection;

/// <summary>
/// One instance's snapshot loaded for reading: the operators of its chain, created from the job's graph (which gives the
/// key and value types), opened over every possible key group and restored as a task restores them — but never run, so
/// nothing is emitted, committed or written.
/// </summary>
internal sealed class InspectedInstance
{
    /// <summary>The most key groups a job can have (the limit of the silo's <c>MaxParallelism</c>): entries of any of them load.</summary>
    public const int MaxKeyGroups = 32_768;

    private readonly SnapshotHandle _handle;
    private readonly RestoredSnapshot _snapshot;
    private readonly StreamOperator[] _chain;

    private InspectedInstance(SnapshotHandle handle, RestoredSnapshot snapshot, StreamOperator[] chain) =>
        (_handle, _snapshot, _chain) = (handle, snapshot, chain);

    /// <summary>Reads and loads the snapshot of <paramref name="handle"/>, an instance of <paramref name="vertex"/>.</summary>
    /// <remarks>A missing or corrupt snapshot is an error naming it.</remarks>
    public static async Task<InspectedInstance> ReadAsync(SnapshotHandle handle, Vertex vertex, SnapshotStore store, IGrainFactory grains)
    {
        try
        {
            var snapshot = await store.ReadForRestoreAsync(handle);
            var context = new OperatorContext(
                handle.Task, MaxKeyGroups, new KeyGroupRange(0, MaxKeyGroups - 1), RefusedOutputs.Instance, grains, RefusedOutputs.Instance, checkpointing: true);
            var chain = vertex.Chain.Select(t => t.Accept(OperatorFactory.Instance)).ToArray();
            foreach (var op in chain)
            {
                op.Open(context);
            }

            ChainRestore.Apply(
                snapshot,
                store.Codecs,
                uid => chain.FirstOrDefault(o => o.Transformation.Uid == uid)
                    ?? throw new InvalidOperationException($"it holds state of operator '{uid}', which the job's chain '{vertex.Uid}' no longer has"),
                handle.Task);
            return new InspectedInstance(handle, snapshot, chain);
        }
        catch (CorruptSnapshotException e)
        {
            throw new StreamJobException(e.Message); // a runtime-only type: a client gets the job error, naming the instance
        }
        catch (Exception e) when (e is not (StreamJobException or Azure.RequestFailedException or OperationCanceledException or TimeoutException
            or HttpRequestException))
        {
            // State the job's operators as registered now cannot load (their types changed since): an error, not a crash.
            throw new StreamJobException(
                $"The snapshot of {handle.Task} for checkpoint {handle.CheckpointId} cannot be read into the job's operators: {e.Message}");
        }
    }

    public InstanceStateSummary Summarize()
    {
        var watermark = (_snapshot.Whole?.Watermarks ?? _snapshot.Index?.Watermarks)?.Current;
        return new InstanceStateSummary(
            _handle.Task,
            _snapshot.Index is null ? "whole" : "incremental",
            _handle.SizeBytes,
            _handle.FullSize(),
            _snapshot.Index?.Chain.Count ?? 0,
            watermark is null or long.MinValue ? null : watermark,
            [.. _chain.Select(op => new OperatorStateSummary(
                op.Transformation.Uid,
                op is IIncrementalStateOperator keyed
                    ? [.. keyed.DescribeTables()
                        .Select(t => new StateTableSummary(t.Table, t.Entries, t.KeyGroups, t.FirstKeyGroup, t.LastKeyGroup, t.UndecodedBytes))]
                    : [],
                op.DescribeState()))]);
    }

    /// <summary>The keyed state of operator <paramref name="uid"/> (of this chain), only <paramref name="key"/>'s unless null.</summary>
    public IEnumerable<StateEntry> Entries(string uid, string? key)
    {
        var op = _chain.First(o => o.Transformation.Uid == uid) as IIncrementalStateOperator
            ?? throw new StreamJobException($"Operator '{uid}' keeps no keyed state: its state is in the summary (inspect without --operator).");
        var instance = _handle.Task.GrainKey;
        return op.Entries(key).Select(e => new StateEntry(instance, e.Table, e.KeyGroup, e.KeyJson, e.ValueJson, e.ResultJson, e.Note));
    }
}
