using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Results;

/// <summary>
/// Recognises a results batch seen before, with bounded memory. A sink partition publishes its commits in checkpoint
/// order, and a repeat only comes from a recovery re-publishing what the restored checkpoint (one of the latest)
/// committed; so per (operator, partition) only the keys of the <see cref="RetainedCheckpoints"/> newest checkpoint
/// ids are kept, and a batch older than all of them is a repeat too. Batches without a checkpoint (id 0) are never
/// repeats. Not thread-safe.
/// </summary>
internal sealed class ResultDeduplicator
{
    /// <summary>How many checkpoint ids are remembered per (operator, partition): far more than any job retains.</summary>
    public const int RetainedCheckpoints = 16;

    private readonly Dictionary<(string Operator, int Partition), SortedDictionary<long, HashSet<(bool Final, int Chunk)>>> _seen = [];

    /// <summary>How many batch keys are remembered (at most <see cref="RetainedCheckpoints"/> checkpoints per operator partition).</summary>
    public int RememberedCheckpoints => _seen.Values.Sum(c => c.Count);

    /// <summary>True the first time a batch is seen; false for a repeat.</summary>
    public bool IsFirstSeen(ResultBatch batch)
    {
        if (batch.CheckpointId <= 0)
        {
            return true;
        }

        if (!_seen.TryGetValue((batch.Operator, batch.Partition), out var checkpoints))
        {
            _seen[(batch.Operator, batch.Partition)] = checkpoints = [];
        }

        if (!checkpoints.TryGetValue(batch.CheckpointId, out var chunks))
        {
            if (checkpoints.Count == RetainedCheckpoints && batch.CheckpointId < checkpoints.Keys.First())
            {
                return false; // older than every remembered checkpoint: published before them, so seen already
            }

            checkpoints[batch.CheckpointId] = chunks = [];
            if (checkpoints.Count > RetainedCheckpoints)
            {
                checkpoints.Remove(checkpoints.Keys.First());
            }
        }

        return chunks.Add((batch.Final, batch.Chunk));
    }
}
