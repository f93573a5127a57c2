using System.Diagnostics;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;

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
/// With <paramref name="pieces"/> (incremental checkpoints), keyed operators give only their changed entries, which go
/// into a piece (see <see cref="PieceChain"/>); the snapshot itself is an index naming its chain of pieces.
/// </summary>
internal sealed class TaskCheckpointer(
    TaskId task,
    IReadOnlyList<StreamOperator> chain,
    IReadOnlyList<IChannelWriter> writers,
    InputGate gate,
    Func<long> currentWatermark,
    SnapshotStore store,
    ICheckpointResponder responder,
    PieceChain? pieces = null)
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

    /// <summary>The chain of incremental checkpoints, if the instance takes them.</summary>
    public PieceChain? Pieces => pieces;

    public async Task NotifyCompleteAsync(long checkpointId)
    {
        pieces?.Confirm(checkpointId);
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

    /// <summary>
    /// The synchronous part of a snapshot. A checkpoint's keyed operators give their changes (and all entries when the
    /// next piece is full), or their whole state without incremental checkpoints. A savepoint's give all their entries
    /// (copy-on-write views), whatever the job's checkpoints do, and leave the instance's chain of pieces as it was.
    /// </summary>
    private void Take(CheckpointBarrier barrier, double alignmentMs)
    {
        var started = Stopwatch.GetTimestamp();
        var savepoint = barrier.Kind == SnapshotKind.Savepoint;
        var operators = new List<OperatorSnapshot>(chain.Count);
        var changes = new List<(string Uid, IStateChanges Changes)>();
        List<(string Uid, IStateSection Section)>? full = savepoint || pieces?.NextIsFull == true ? [] : null;
        var captured = new List<IStateChanges>();
        var all = new List<IStateSection>();
        foreach (var op in chain)
        {
            if ((savepoint || pieces is not null) && op is IIncrementalStateOperator keyed)
            {
                if (!savepoint)
                {
                    keyed.CaptureChanges(captured);
                    changes.AddRange(captured.Select(c => (op.Transformation.Uid, c)));
                    captured.Clear();
                }

                if (full is not null)
                {
                    keyed.CaptureAll(all);
                    full.AddRange(all.Select(c => (op.Transformation.Uid, c)));
                    all.Clear();
                }

                if (op.SnapshotNonKeyedState(barrier.CheckpointId) is { } nonKeyed)
                {
                    operators.Add(new OperatorSnapshot(op.Transformation.Uid, nonKeyed));
                }
            }
            else if (op.SnapshotState(barrier.CheckpointId) is { } state)
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
        var watermarks = new TaskWatermarks(currentWatermark(), gate.ChannelWatermarks());

        // Flink's checkpoint start delay: from the trigger to the (first) barrier's arrival here.
        var startDelayMs = Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - barrier.Timestamp - alignmentMs - syncMs);
        var timings = new UploadTimings(syncMs, alignmentMs, startDelayMs);
        var upload = savepoint ? UploadSavepointAsync(barrier.CheckpointId, operators, watermarks, full!, checks, timings)
            : pieces is null ? UploadAsync(new TaskSnapshot(task, barrier.CheckpointId, operators, watermarks), checks, timings)
            : UploadIncrementalAsync(barrier.CheckpointId, operators, watermarks, pieces.Record(barrier.CheckpointId, changes, full is not null), full, checks, timings);
        _uploads[barrier.CheckpointId] = upload;
        _ = upload.ContinueWith(_ => _uploads.Remove(barrier.CheckpointId), TaskScheduler.Current);
    }

    /// <summary>
    /// Writes the piece of an incremental snapshot (the changes since the base, merged; or all entries), then the index
    /// naming its chain. No changes and not full: no piece, the chain is the base's.
    /// </summary>
    private async Task UploadIncrementalAsync(
        long checkpointId,
        List<OperatorSnapshot> operators,
        TaskWatermarks watermarks,
        (IReadOnlyList<IReadOnlyList<(string Uid, IStateChanges Changes)>> Since, IReadOnlyList<StatePiece> Extends) plan,
        List<(string Uid, IStateSection Section)>? full,
        ConsistencyChecks checks,
        UploadTimings timings)
    {
        var started = Stopwatch.GetTimestamp();
        SnapshotHandle handle;
        try
        {
            // The checks run beside the merge; nothing is written for an inconsistent state (its changes stay for the next piece).
            var checking = checks.RunAsync();
            var sections = full ?? await Task.Run(() => PieceChain.Merge(plan.Since));
            if (await checking is { } violation)
            {
                await DeclineAsync(checkpointId, $"its state is inconsistent: {violation}");
                return;
            }

            // Arrays: handles are persisted as JSON with their types, which a compiler-made list type would not survive.
            StatePiece[] pieceChain = [.. plan.Extends];
            long written = 0;
            if (full is not null || sections.Count > 0)
            {
                var payload = await Task.Run(() => StatePieceCodec.Encode(sections, store.Codecs));
                var piece = await store.WritePieceAsync(task, checkpointId, payload, full: full is not null || plan.Extends.Count == 0);
                pieceChain = [.. plan.Extends, piece];
                written = piece.SizeBytes;
            }

            var index = new SnapshotIndex(task, checkpointId, operators, watermarks, pieceChain);
            var (indexPayload, checksum) = await Task.Run(() => store.Serialize(index));
            var stateName = await store.WriteAsync(task, checkpointId, indexPayload, checksum, SnapshotFormat.Index);
            pieces!.Uploaded(checkpointId, pieceChain);
            handle = new SnapshotHandle(
                task, checkpointId, stateName, indexPayload.Length + written, checksum, timings.SyncMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                timings.AlignmentMs, timings.StartDelayMs, indexPayload.Length + pieceChain.Sum(p => p.SizeBytes), pieceChain);
        }
        catch (Exception e)
        {
            await DeclineAsync(checkpointId, $"the snapshot could not be written: {e.Message}");
            return;
        }

        await AcknowledgeAsync(handle);
    }

    /// <summary>
    /// Writes a savepoint's snapshot: one full piece of every keyed entry (each with its key group, so any parallelism can
    /// take its share) and an index naming only that piece, with the types of the state tables. Self-contained: it shares
    /// no piece with a checkpoint, so retention can never take anything it needs.
    /// </summary>
    private async Task UploadSavepointAsync(
        long savepointId, List<OperatorSnapshot> operators, TaskWatermarks watermarks, List<(string Uid, IStateSection Section)> sections, ConsistencyChecks checks, UploadTimings timings)
    {
        var started = Stopwatch.GetTimestamp();
        SnapshotHandle handle;
        try
        {
            var checking = checks.RunAsync();
            var payload = await Task.Run(() => StatePieceCodec.Encode(sections, store.Codecs));
            if (await checking is { } violation)
            {
                await DeclineAsync(savepointId, $"its state is inconsistent: {violation}");
                return;
            }

            var piece = await store.WritePieceAsync(task, savepointId, payload, full: true);
            var types = sections.Select(s => StateTableType.Of(s.Uid, s.Section)).OfType<StateTableType>().ToArray();
            StatePiece[] chain = [piece]; // an array: handles are persisted as JSON with their types, which a compiler-made list type would not survive
            var index = new SnapshotIndex(task, savepointId, operators, watermarks, chain, types, SnapshotKind.Savepoint);
            var (indexPayload, checksum) = await Task.Run(() => store.Serialize(index));
            var stateName = await store.WriteAsync(task, savepointId, indexPayload, checksum, SnapshotFormat.Index);
            var size = indexPayload.Length + piece.SizeBytes;
            handle = new SnapshotHandle(
                task, savepointId, stateName, size, checksum, timings.SyncMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds, timings.AlignmentMs, timings.StartDelayMs, size, chain);
        }
        catch (Exception e)
        {
            await DeclineAsync(savepointId, $"the savepoint could not be written: {e.Message}");
            return;
        }

        await AcknowledgeAsync(handle);
    }

    private async Task UploadAsync(TaskSnapshot snapshot, ConsistencyChecks checks, UploadTimings timings)
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
            handle = new SnapshotHandle(
                task, snapshot.CheckpointId, stateName, payload.Length, checksum, timings.SyncMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds, timings.AlignmentMs,
                timings.StartDelayMs, payload.Length);
        }
        catch (Exception e)
        {
            await DeclineAsync(snapshot.CheckpointId, $"the snapshot could not be written: {e.Message}");
            return;
        }

        await AcknowledgeAsync(handle);
    }

    private async Task AcknowledgeAsync(SnapshotHandle handle)
    {
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

/// <summary>What a snapshot's synchronous part measured, for its handle.</summary>
internal readonly record struct UploadTimings(double SyncMs, double AlignmentMs, double StartDelayMs);
