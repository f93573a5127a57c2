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
    /// <summary>The snapshots each instance of <paramref name="plan"/> restores from <paramref name="snapshot"/>.</summary>
    public static Dictionary<TaskId, List<SnapshotHandle>> Of(CompletedCheckpoint snapshot, PhysicalPlan plan)
    {
        var layout = snapshot.Layout ?? LayoutOf(plan); // recorded since savepoints exist; before, the job's own
        var handles = snapshot.Handles.ToDictionary(h => (h.Task.Operator, h.Task.Partition));
        var vertexOf = layout.Operators.ToDictionary(o => o.Operator, o => o.Vertex);
        var result = new Dictionary<TaskId, List<SnapshotHandle>>();
        foreach (var vertex in plan.Vertices)
        {
            for (var p = 0; p < vertex.Parallelism; p++)
            {
                var task = new TaskId(plan.Graph.JobName, vertex.Uid, p);
                var restores = new List<SnapshotHandle>();
                foreach (var op in vertex.Chain)
                {
                    if (vertexOf.TryGetValue(op.Uid, out var former) && handles.TryGetValue((former, p), out var handle) && !restores.Contains(handle))
                    {
                        restores.Add(handle);
                    }
                }

                result[task] = restores;
            }
        }

        return result;
    }

    /// <summary>
    /// Refuses a snapshot the job cannot take as it is: state of operators it no longer has (unless
    /// <paramref name="allowNonRestoredState"/>), or an operator's instances at another count than the job's now.
    /// Returns the operators whose state is dropped.
    /// </summary>
    public static IReadOnlyList<string> Validate(string job, CompletedCheckpoint snapshot, PhysicalPlan plan, bool allowNonRestoredState)
    {
        if (snapshot.Layout is not { } layout)
        {
            return [];
        }

        var operators = plan.Vertices.SelectMany(v => v.Chain.Select(t => (Uid: t.Uid, Vertex: v))).ToDictionary(o => o.Uid, o => o.Vertex);
        var removed = (layout.Stateful ?? [.. layout.Operators.Select(o => o.Operator)]).Where(uid => !operators.ContainsKey(uid)).ToList();
        if (removed.Count > 0 && !allowNonRestoredState)
        {
            throw new IncompatibleSnapshotException(
                $"Snapshot {snapshot.Id} of job '{job}' holds state of {(removed.Count == 1 ? "operator" : "operators")} {string.Join(", ", removed.Select(u => $"'{u}'"))}, " +
                "which the job no longer has. Start with --allow-non-restored-state to drop that state.");
        }

        foreach (var (uid, former) in layout.Operators)
        {
            var instances = snapshot.Handles.Count(h => h.Task.Operator == former);
            if (operators.TryGetValue(uid, out var vertex) && instances != vertex.Parallelism)
            {
                throw new InvalidJobSettingsException(
                    $"Snapshot {snapshot.Id} of job '{job}' was taken with {instances} instances of operator '{uid}'; the job would run {vertex.Parallelism}. " +
                    "Restoring at another parallelism is not supported yet: start with --parallelism " +
                    $"{(snapshot.Parallelism > 0 ? snapshot.Parallelism : instances)}.");
            }
        }

        return removed;
    }

    public static SnapshotLayout LayoutOf(PhysicalPlan plan) => new(
        plan.Vertices.ToDictionary(v => v.Uid, v => v.Chain.Select(t => t.Uid).ToArray()),
        [.. plan.Vertices.SelectMany(v => v.Chain).Where(t => t.IsKeyed || t.IsSink || t.Inputs.Count == 0).Select(t => t.Uid)]);
}
