using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// Which snapshots of a checkpoint or savepoint each instance of a (possibly changed) job restores. State is matched to
/// operators by uid, through the snapshot's layout (which vertex ran which operators): an instance takes the snapshots of
/// the former instances, at its own partition, that ran any of its operators. An operator new in the job has none and
/// starts empty; one the job no longer has is refused unless its state may be dropped.
/// </summary>
internal static class RestoreAssignment
{
    /// <summary>
    /// The snapshots each instance of <paramref name="plan"/> restores from <paramref name="snapshot"/>. At the parallelism
    /// it was taken at, instance p takes former instance p's. At another (a rescale), instance p takes, of each former
    /// keyed instance whose key groups overlap its own, the entries of its key groups; the rest of a former instance's
    /// state (a sink's pending transactions) goes to one instance only, the one that owns its first key group. A source
    /// instance p reads ingest-log partition p: it takes former source p's position, if there was one.
    /// </summary>
    public static Dictionary<TaskId, TaskRestore> Of(CompletedCheckpoint snapshot, PhysicalPlan plan)
    {
        var layout = snapshot.Layout ?? LayoutOf(plan); // recorded since savepoints exist; before, the job's own
        var handles = snapshot.Handles.ToDictionary(h => (h.Task.Operator, h.Task.Partition));
        var vertexOf = layout.Operators().ToDictionary(o => o.Operator, o => o.Vertex);
        var max = plan.MaxParallelism;
        var result = new Dictionary<TaskId, TaskRestore>();
        SnapshotHandle Handle(string vertex, int partition) => handles.GetValueOrDefault((vertex, partition))
            ?? throw new CorruptSnapshotException($"{Describe(snapshot).ToLowerInvariant()} has no snapshot of {new TaskId(plan.Graph.JobName, vertex, partition)}");
        foreach (var vertex in plan.Vertices)
        {
            for (var p = 0; p < vertex.Parallelism; p++)
            {
                var task = new TaskId(plan.Graph.JobName, vertex.Uid, p);
                var restore = new TaskRestore([], []);
                foreach (var op in vertex.Chain)
                {
                    if (!vertexOf.TryGetValue(op.Uid, out var former))
                    {
                        continue; // new in the job: it starts empty
                    }

                    var instances = InstancesOf(snapshot, former);
                    restore.FormerInstances = restore.FormerInstances == 0 ? instances : restore.FormerInstances;
                    if (instances == vertex.Parallelism || vertex.Inputs.Count == 0)
                    {
                        if (p < instances)
                        {
                            restore.Add(Handle(former, p), owned: true); // a source's chain: log partition p's position, and its operators' state
                        }

                        continue;
                    }

                    var mine = KeyGroups.RangeOf(p, max, vertex.Parallelism);
                    for (var q = 0; q < instances; q++)
                    {
                        var theirs = KeyGroups.RangeOf(q, max, instances);
                        var owned = KeyGroups.PartitionOf(theirs.Start, max, vertex.Parallelism) == p;
                        if (owned || (op.IsKeyed && theirs.Start <= mine.End && mine.Start <= theirs.End))
                        {
                            restore.Add(Handle(former, q), owned);
                        }
                    }
                }

                result[task] = restore;
            }
        }

        return result;
    }

    /// <summary>How many instances <paramref name="vertex"/> had: one more than the highest partition of its snapshots.</summary>
    private static int InstancesOf(CompletedCheckpoint snapshot, string vertex) => snapshot.Handles.Where(h => h.Task.Operator == vertex).Select(h => h.Task.Partition + 1).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Refuses a snapshot the job cannot take as it is: state of operators it no longer has (unless
    /// <paramref name="allowNonRestoredState"/>), or, at another parallelism, keyed state stored whole or a generated input.
    /// Returns the operators whose state is dropped.
    /// </summary>
    public static IReadOnlyList<string> Validate(string job, CompletedCheckpoint snapshot, PhysicalPlan plan, bool allowNonRestoredState)
    {
        var layout = snapshot.Layout ?? LayoutOf(plan);

        var operators = plan.Vertices.SelectMany(v => v.Chain.Select(t => (Uid: t.Uid, Vertex: v))).ToDictionary(o => o.Uid, o => o.Vertex);
        var removed = (layout.Stateful ?? [.. layout.Operators().Select(o => o.Operator)]).Where(uid => !operators.ContainsKey(uid)).ToList();
        if (removed.Count > 0 && !allowNonRestoredState)
        {
            throw new IncompatibleSnapshotException(
                $"Snapshot {snapshot.Id} of job '{job}' holds state of {(removed.Count == 1 ? "operator" : "operators")} {string.Join(", ", removed.Select(u => $"'{u}'"))}, " +
                "which the job no longer has. Start with --allow-non-restored-state to drop that state.");
        }

        foreach (var (uid, former) in layout.Operators())
        {
            var instances = InstancesOf(snapshot, former);
            if (!operators.TryGetValue(uid, out var vertex) || instances == vertex.Parallelism)
            {
                continue;
            }

            var op = vertex.Chain.First(t => t.Uid == uid);
            if (op.IsKeyed && snapshot.Handles.Any(h => h.Task.Operator == former && h.Pieces is null))
            {
                throw new InvalidJobSettingsException(
                    $"{Describe(snapshot)} of job '{job}' holds the keyed state of operator '{uid}' whole (taken with --no-incremental-checkpoints): it restores at parallelism {instances} only. " +
                    $"Start at that parallelism and take a savepoint (client savepoint {job}) to rescale from.");
            }

            if (op.GetType().IsGenericType && op.GetType().GetGenericTypeDefinition() == typeof(Dataflow.GeneratorSourceTransformation<>))
            {
                throw new InvalidJobSettingsException($"Operator '{uid}' of job '{job}' generates its input in {instances} shares: it cannot be restored at another parallelism.");
            }

            if (op.GetType().IsGenericType && op.GetType().GetGenericTypeDefinition() == typeof(Dataflow.FileSourceTransformation<>))
            {
                throw new InvalidJobSettingsException(
                    $"Operator '{uid}' of job '{job}' reads files assigned to its {instances} instances by name hash, and records per instance which it has read: it cannot be restored at another parallelism.");
            }
        }

        return removed;
    }

    public static string Describe(CompletedCheckpoint snapshot) => $"{(snapshot.IsSavepoint ? "Savepoint" : "Checkpoint")} {snapshot.Id}";

    public static SnapshotLayout LayoutOf(PhysicalPlan plan) => new(
        plan.Vertices.ToDictionary(v => v.Uid, v => v.Chain.Select(t => t.Uid).ToArray()),
        [.. plan.Vertices.SelectMany(v => v.Chain).Where(t => t.IsKeyed || t.IsSink || t.Inputs.Count == 0).Select(t => t.Uid)]);
}

/// <summary>
/// What one instance restores: snapshots of former instances (of its own partition, or after a rescale those whose key
/// groups overlap its own), with those it takes only keyed entries from (their other state went to another instance).
/// </summary>
internal sealed class TaskRestore(List<SnapshotHandle> handles, HashSet<TaskId> keyedOnly)
{
    public List<SnapshotHandle> Handles { get; } = handles;

    public HashSet<TaskId> KeyedOnly { get; } = keyedOnly;

    /// <summary>How many instances the (first) former vertex of the instance's operators had (0: none of them is in the snapshot).</summary>
    public int FormerInstances { get; set; }

    public void Add(SnapshotHandle handle, bool owned)
    {
        if (!Handles.Contains(handle))
        {
            Handles.Add(handle);
            if (!owned)
            {
                KeyedOnly.Add(handle.Task);
            }
        }
        else if (owned)
        {
            KeyedOnly.Remove(handle.Task);
        }
    }
}
