using System.IO.Hashing;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>The stored form of an instance's snapshot: an opaque payload (Orleans binary serialization) and its checksum.</summary>
[GenerateSerializer]
internal sealed class StoredSnapshot
{
    [Id(0)]
    public byte[] Payload { get; set; } = [];

    [Id(1)]
    public string Checksum { get; set; } = string.Empty;

    /// <summary>How <see cref="Payload"/> is laid out (a whole snapshot, an index or a piece).</summary>
    [Id(2)]
    public SnapshotFormat Format { get; set; }
}

/// <summary>The state of every operator of one instance at a checkpoint, and the watermarks its lateness decisions rest on.</summary>
[GenerateSerializer, Immutable]
internal sealed record TaskSnapshot(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] long CheckpointId,
    [property: Id(2)] IReadOnlyList<OperatorSnapshot> Operators,
    [property: Id(3)] TaskWatermarks? Watermarks = null);

/// <summary>
/// An instance's watermarks at a checkpoint: its own, and each input channel's. They are state: restored, a record
/// that was late before the checkpoint is late after it, so a window that fired (and was committed) never opens again,
/// and a channel whose sender stays idle after the restore does not hold the watermark back.
/// (Snapshots written before watermarks were kept have none: the instance starts with no watermark.)
/// </summary>
/// <param name="Current">The instance's watermark (the minimum over its channels; a source's own).</param>
/// <param name="Channels">Each input channel's watermark, in the instance's channel order.</param>
[GenerateSerializer, Immutable]
internal sealed record TaskWatermarks([property: Id(0)] long Current, [property: Id(1)] long[] Channels);

/// <summary>One operator's state (operator-specific, serializable by Orleans), matched to the operator by uid on restore.</summary>
[GenerateSerializer, Immutable]
internal sealed record OperatorSnapshot([property: Id(0)] string Uid, [property: Id(1)] object State);

/// <summary>A snapshot is missing, or its checksum does not match its payload.</summary>
[GenerateSerializer]
internal sealed class CorruptSnapshotException : Errors.StreamJobException
{
    public CorruptSnapshotException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Reads and writes snapshots and manifests through the Orleans grain storage configured for checkpoints.
/// Every state name contains the checkpoint id, and writes are create-only, so nothing a completed
/// checkpoint references is ever overwritten. Knows nothing of operators or grains beyond their ids.
/// </summary>
internal sealed class SnapshotStore(IGrainStorage storage, Serializer serializer)
{
    /// <summary>The codecs of keyed state in pieces.</summary>
    public State.StateCodecs Codecs { get; } = new(serializer);

    public static string SnapshotStateName(long checkpointId) => $"chk-{checkpointId:D10}";

    /// <summary>The state name of the piece checkpoint <paramref name="checkpointId"/> writes (one per instance at most).</summary>
    public static string PieceStateName(long checkpointId) => $"piece-{checkpointId:D10}";

    public static string ManifestStateName(long checkpointId) => $"manifest-{checkpointId:D10}";

    public static GrainId SnapshotGrainId(TaskId task) => GrainId.Create("snapshot", task.GrainKey);

    public static GrainId ManifestGrainId(string job) => GrainId.Create("checkpoint", job);

    /// <summary>Serializes a snapshot (call it off the processing path: it reads only immutable state).</summary>
    public (byte[] Payload, string Checksum) Serialize(TaskSnapshot snapshot)
    {
        var payload = serializer.SerializeToArray(snapshot);
        return (payload, Checksum(payload));
    }

    /// <summary>Serializes an incremental snapshot's index.</summary>
    public (byte[] Payload, string Checksum) Serialize(SnapshotIndex index)
    {
        var payload = serializer.SerializeToArray(index);
        return (payload, Checksum(payload));
    }

    public async Task<string> WriteAsync(TaskId task, long checkpointId, byte[] payload, string checksum, SnapshotFormat format = SnapshotFormat.Whole)
    {
        var name = SnapshotStateName(checkpointId);
        await storage.WriteStateAsync(name, SnapshotGrainId(task), new GrainState<StoredSnapshot>(new StoredSnapshot { Payload = payload, Checksum = checksum, Format = format }));
        return name;
    }

    /// <summary>Writes the piece of <paramref name="checkpointId"/>; returns its reference.</summary>
    public async Task<StatePiece> WritePieceAsync(TaskId task, long checkpointId, byte[] payload, bool full)
    {
        var name = PieceStateName(checkpointId);
        var checksum = Checksum(payload);
        await storage.WriteStateAsync(name, SnapshotGrainId(task), new GrainState<StoredSnapshot>(new StoredSnapshot { Payload = payload, Checksum = checksum, Format = SnapshotFormat.Piece }));
        return new StatePiece(checkpointId, name, payload.Length, checksum, full);
    }

    /// <summary>
    /// Reads what restoring <paramref name="handle"/> needs: a whole snapshot, or an index and every piece of its chain,
    /// each checksum verified. A missing or corrupt piece is a <see cref="CorruptSnapshotException"/> that names it.
    /// </summary>
    public async Task<RestoredSnapshot> ReadForRestoreAsync(SnapshotHandle handle)
    {
        var stored = await ReadStoredAsync(handle);
        if (stored.Format != SnapshotFormat.Index)
        {
            return new RestoredSnapshot(Deserialize<TaskSnapshot>(handle, stored), null, []);
        }

        var index = Deserialize<SnapshotIndex>(handle, stored);
        var pieces = new List<byte[]>(index.Chain.Count);
        foreach (var piece in index.Chain)
        {
            pieces.Add(await ReadPieceAsync(handle.Task, piece));
        }

        return new RestoredSnapshot(null, index, pieces);
    }

    /// <summary>Reads a piece and checks it against its reference.</summary>
    public async Task<byte[]> ReadPieceAsync(TaskId task, StatePiece piece)
    {
        var what = $"piece {piece.Name} of {task} (written by checkpoint {piece.CheckpointId})";
        var state = new GrainState<StoredSnapshot>();
        try
        {
            await storage.ReadStateAsync(piece.Name, SnapshotGrainId(task), state);
        }
        catch (Exception e) when (e is not (Azure.RequestFailedException or OperationCanceledException or TimeoutException or HttpRequestException))
        {
            throw new CorruptSnapshotException($"{what} cannot be read: {e.Message}");
        }

        if (!state.RecordExists || state.State is null)
        {
            throw new CorruptSnapshotException($"{what} is missing.");
        }

        var actual = Checksum(state.State.Payload);
        if (actual != piece.Checksum || actual != state.State.Checksum || state.State.Format != SnapshotFormat.Piece)
        {
            throw new CorruptSnapshotException($"{what} is corrupt: checksum {actual}, expected {piece.Checksum}.");
        }

        return state.State.Payload;
    }

    public Task DeletePieceAsync(TaskId task, string pieceStateName) => ClearAsync<StoredSnapshot>(pieceStateName, SnapshotGrainId(task));

    /// <summary>
    /// Reads a snapshot and verifies its checksum against the handle's and the payload's. A missing, unparsable
    /// or mismatching snapshot is a <see cref="CorruptSnapshotException"/> (restore falls back to an older
    /// checkpoint); only a failure to reach the storage is passed on as it is (it may pass).
    /// </summary>
    public async Task<TaskSnapshot> ReadAsync(SnapshotHandle handle)
    {
        var stored = await ReadStoredAsync(handle);
        return stored.Format == SnapshotFormat.Whole
            ? Deserialize<TaskSnapshot>(handle, stored)
            : throw new InvalidOperationException($"The snapshot of {handle.Task} for checkpoint {handle.CheckpointId} is an index of pieces (format {stored.Format}): read it with {nameof(ReadForRestoreAsync)}.");
    }

    private async Task<StoredSnapshot> ReadStoredAsync(SnapshotHandle handle)
    {
        var state = new GrainState<StoredSnapshot>();
        try
        {
            await storage.ReadStateAsync(handle.StateName, SnapshotGrainId(handle.Task), state);
        }
        catch (Exception e) when (e is not (Azure.RequestFailedException or OperationCanceledException or TimeoutException or HttpRequestException))
        {
            throw new CorruptSnapshotException($"The snapshot of {handle.Task} for checkpoint {handle.CheckpointId} cannot be read: {e.Message}");
        }

        if (!state.RecordExists || state.State is null)
        {
            throw new CorruptSnapshotException($"The snapshot of {handle.Task} for checkpoint {handle.CheckpointId} is missing.");
        }

        var actual = Checksum(state.State.Payload);
        if (actual != handle.Checksum || actual != state.State.Checksum)
        {
            throw new CorruptSnapshotException(
                $"The snapshot of {handle.Task} for checkpoint {handle.CheckpointId} is corrupt: checksum {actual}, expected {handle.Checksum}.");
        }

        return state.State;
    }

    private T Deserialize<T>(SnapshotHandle handle, StoredSnapshot stored)
        where T : class
    {
        try
        {
            return serializer.Deserialize<T>(stored.Payload)
                ?? throw new CorruptSnapshotException($"The snapshot of {handle.Task} for checkpoint {handle.CheckpointId} is empty.");
        }
        catch (Exception e) when (e is not CorruptSnapshotException)
        {
            throw new CorruptSnapshotException($"The snapshot of {handle.Task} for checkpoint {handle.CheckpointId} cannot be deserialized: {e.Message}");
        }
    }

    /// <summary>Deletes the snapshot (index) of <paramref name="checkpointId"/> of an instance, and the piece it wrote, if any.</summary>
    public async Task DeleteAsync(TaskId task, long checkpointId)
    {
        await ClearAsync<StoredSnapshot>(SnapshotStateName(checkpointId), SnapshotGrainId(task));
        await DeletePieceAsync(task, PieceStateName(checkpointId));
    }

    /// <summary>Deletes only the snapshot (index) of <paramref name="checkpointId"/>: its pieces are retention's business.</summary>
    public Task DeleteIndexAsync(TaskId task, long checkpointId) => ClearAsync<StoredSnapshot>(SnapshotStateName(checkpointId), SnapshotGrainId(task));

    public async Task<string> WriteManifestAsync(CheckpointManifest manifest)
    {
        var name = ManifestStateName(manifest.CheckpointId);
        await storage.WriteStateAsync(name, ManifestGrainId(manifest.Job), new GrainState<CheckpointManifest>(manifest));
        return name;
    }

    public async Task<CheckpointManifest?> ReadManifestAsync(string job, long checkpointId)
    {
        var state = new GrainState<CheckpointManifest>();
        await storage.ReadStateAsync(ManifestStateName(checkpointId), ManifestGrainId(job), state);
        return state.RecordExists ? state.State : null;
    }

    public Task DeleteManifestAsync(string job, string manifestStateName) => ClearAsync<CheckpointManifest>(manifestStateName, ManifestGrainId(job));

    /// <summary>Deletes a stored state whatever its ETag (a delete of what is not there does nothing).</summary>
    private async Task ClearAsync<T>(string stateName, GrainId grainId)
    {
        try
        {
            await storage.ClearStateAsync(stateName, grainId, new GrainState<T>()); // Azure Blob: an unconditional delete
        }
        catch (InconsistentStateException)
        {
            // A provider that checks the ETag of a delete too (Orleans' memory storage): delete what is stored, by its ETag.
            var current = new GrainState<T>();
            await storage.ReadStateAsync(stateName, grainId, current);
            if (current.RecordExists)
            {
                await storage.ClearStateAsync(stateName, grainId, current);
            }
        }
    }

    internal static string Checksum(byte[] payload) => XxHash64.HashToUInt64(payload).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
