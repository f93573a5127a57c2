using System.Diagnostics;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>How an instance reports its part of a checkpoint to the coordinator.</summary>
internal interface ICheckpointResponder
{
    Task AcknowledgeAsync(SnapshotHandle handle);

    /// <summary>Declines <paramref name="checkpointId"/>; <paramref name="superseded"/> when a newer checkpoint overtook it (not a failure).</summary>
    Task DeclineAsync(long checkpointId, string reason, bool superseded);
}

/// <summary>
/// An operator instance's part of the checkpoint protocol: aligns barriers over the input channels (holding
/// back channels at the gate in exactly-once mode), takes the synchronous snapshot of the chain, forwards the
/// barrier, and uploads the snapshot asynchronously, acknowledging when it is durable. All calls come from
/// the instance's processing loop or grain calls, on the grain's scheduler; only serialization runs on
/// another thread, on state no one writes any more.
/// </summary>
internal sealed class TaskCheckpointer(
    TaskId task,
    IReadOnlyList<StreamOperator> chain,
    IReadOnlyList<IChannelWriter> writers,
    InputGate gate,
    Func<long> currentWatermark,
    SnapshotStore store,
    ICheckpointResponder responder)
{
    private readonly BarrierAligner _aligner = new(gate.ChannelCount);
    private readonly Dictionary<long, Task> _uploads = [];

    /// <summary>Uploads in flight, by checkpoint id (tests wait on them).</summary>
    public IReadOnlyDictionary<long, Task> Uploads => _uploads;

    /// <summary>A source's barrier: nothing to align.</summary>
    public void OnSourceBarrier(CheckpointBarrier barrier) => Take(barrier, alignmentMs: 0);

    /// <summary>Barrier <paramref name="barrier"/> arrived on <paramref name="channel"/>, after that batch's records.</summary>
    public void OnBarrier(int channel, CheckpointBarrier barrier)
    {
        var outcome = _aligner.OnBarrier(channel, barrier);
        if (_aligner.Cancelled is { } cancelled)
        {
            _ = DeclineAsync(cancelled, $"alignment superseded by checkpoint {barrier.CheckpointId}", superseded: true);
        }

        Apply(outcome, barrier);
    }

    /// <summary>A channel ended: it owes no more barriers.</summary>
    public void OnChannelEnded(int channel)
    {
        var current = _aligner.Current;
        var outcome = _aligner.OnChannelEnded(channel);
        if (current is not null)
        {
            Apply(outcome, current);
        }
    }

    /// <summary>Declines a checkpoint this instance will take no part in (a source's barrier that came out of order).</summary>
    public void Decline(long checkpointId, string reason, bool superseded) => _ = DeclineAsync(checkpointId, reason, superseded);

    public void Abort(long checkpointId)
    {
        if (_aligner.Abort(checkpointId))
        {
            SyncBlockedChannels();
        }
    }

    public async Task NotifyCompleteAsync(long checkpointId)
    {
        foreach (var op in chain)
        {
            await op.NotifyCheckpointCompleteAsync(checkpointId);
        }
    }

    private void Apply(AlignmentOutcome outcome, CheckpointBarrier barrier)
    {
        if (outcome == AlignmentOutcome.Aligned)
        {
            Take(barrier, _aligner.LastAlignmentMs);
        }

        SyncBlockedChannels();
    }

    private void SyncBlockedChannels()
    {
        for (var channel = 0; channel < gate.ChannelCount; channel++)
        {
            gate.SetBlocked(channel, _aligner.IsBlocked(channel));
        }
    }

    private void Take(CheckpointBarrier barrier, double alignmentMs)
    {
        var started = Stopwatch.GetTimestamp();
        var operators = new List<OperatorSnapshot>(chain.Count);
        foreach (var op in chain)
        {
            if (op.SnapshotState(barrier.CheckpointId) is { } state)
            {
                operators.Add(new OperatorSnapshot(op.Transformation.Uid, state));
            }
        }

        var checks = ConsistencyChecks.Prepare(chain, barrier.CheckpointId);
        foreach (var writer in writers)
        {
            writer.EmitBarrier(barrier);
        }

        var syncMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var snapshot = new TaskSnapshot(task, barrier.CheckpointId, operators, new TaskWatermarks(currentWatermark(), gate.ChannelWatermarks()));

        // Flink's checkpoint start delay: from the trigger to the (first) barrier's arrival here.
        var startDelayMs = Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - barrier.Timestamp - alignmentMs - syncMs);
        var upload = UploadAsync(snapshot, checks, syncMs, alignmentMs, startDelayMs);
        _uploads[barrier.CheckpointId] = upload;
        _ = upload.ContinueWith(_ => _uploads.Remove(barrier.CheckpointId), TaskScheduler.Current);
    }

    private async Task UploadAsync(TaskSnapshot snapshot, ConsistencyChecks checks, double syncMs, double alignmentMs, double startDelayMs)
    {
        var started = Stopwatch.GetTimestamp();
        SnapshotHandle handle;
        try
        {
            var checking = checks.RunAsync(); // beside the serialization; nothing is written for an inconsistent state
            var (payload, checksum) = await Task.Run(() => store.Serialize(snapshot));
            if (await checking is { } violation)
            {
                await DeclineAsync(snapshot.CheckpointId, $"its state is inconsistent: {violation}");
                return;
            }

            var stateName = await store.WriteAsync(task, snapshot.CheckpointId, payload, checksum);
            handle = new SnapshotHandle(task, snapshot.CheckpointId, stateName, payload.Length, checksum, syncMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds, alignmentMs, startDelayMs);
        }
        catch (Exception e)
        {
            await DeclineAsync(snapshot.CheckpointId, $"the snapshot could not be written: {e.Message}");
            return;
        }

        try
        {
            await responder.AcknowledgeAsync(handle);
        }
        catch (Exception)
        {
            // The coordinator is unreachable: it will time the checkpoint out and delete the snapshot.
        }
    }

    private async Task DeclineAsync(long checkpointId, string reason, bool superseded = false)
    {
        try
        {
            await responder.DeclineAsync(checkpointId, reason, superseded);
        }
        catch (Exception)
        {
            // The coordinator is unreachable: it will time the checkpoint out instead.
        }
    }
}
