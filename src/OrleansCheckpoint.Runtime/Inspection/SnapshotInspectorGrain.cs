using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.JobManagement;

namespace OrleansCheckpoint.Runtime.Inspection;

/// <summary>
/// Reads a job's checkpoints and savepoints from storage: the manifest names every instance's snapshot, each is read as a
/// restore reads it (checksums verified) and loaded into operators created from the job's graph as registered in this
/// silo. Reads only: no blob is written or deleted, and the job's manager and instances are not involved (except to list
/// the retained ids when an id is unknown). One grain per job; an entry stream holds one instance's state at a time.
/// </summary>
internal sealed partial class SnapshotInspectorGrain(JobRegistry registry, SnapshotStore snapshots, ILogger<SnapshotInspectorGrain> logger)
    : Grain, ISnapshotInspectorGrain
{
    private string Job => this.GetPrimaryKeyString();

    public async Task<SnapshotSummary> SummarizeAsync(long snapshotId)
    {
        var (manifest, plan) = await OpenAsync(snapshotId);
        var instances = new List<InstanceStateSummary>(manifest.Snapshots.Count);
        foreach (var (handle, vertex) in Instances(manifest, plan))
        {
            instances.Add((await InspectedInstance.ReadAsync(handle, vertex, snapshots, GrainFactory)).Summarize());
        }

        LogInspected(logger, Job, snapshotId, instances.Count);
        return new SnapshotSummary(
            Job, snapshotId, manifest.Generation, manifest.TriggeredAt, manifest.CompletedAt,
            manifest.Snapshots.Sum(h => h.SizeBytes), manifest.Snapshots.Sum(h => h.FullSize()), instances);
    }

    public async IAsyncEnumerable<StateEntry> ReadEntriesAsync(
        long snapshotId, string operatorUid, string? key = null, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var (manifest, plan) = await OpenAsync(snapshotId);
        var vertex = plan.Vertices.FirstOrDefault(v => v.Chain.Any(t => t.Uid == operatorUid))
            ?? throw new StreamJobException(
                $"Job '{Job}' has no operator '{operatorUid}'. Its operators: {string.Join(", ", plan.Vertices.SelectMany(v => v.Chain).Select(t => t.Uid))}.");
        foreach (var (handle, _) in Instances(manifest, plan).Where(i => i.Vertex == vertex))
        {
            cancellation.ThrowIfCancellationRequested();
            var instance = await InspectedInstance.ReadAsync(handle, vertex, snapshots, GrainFactory);
            foreach (var entry in instance.Entries(operatorUid, key))
            {
                yield return entry;
            }
        }
    }

    /// <summary>The manifest of <paramref name="snapshotId"/> and the plan its instances ran with; an unknown job or id is a clear error.</summary>
    private async Task<(CheckpointManifest Manifest, PhysicalPlan Plan)> OpenAsync(long snapshotId)
    {
        registry.GraphOf(Job); // an unknown job: the registry's error, with the registered jobs
        CheckpointManifest? manifest;
        try
        {
            manifest = await snapshots.ReadManifestAsync(Job, snapshotId);
        }
        catch (Exception e) when (e is not (Azure.RequestFailedException or OperationCanceledException or TimeoutException or HttpRequestException))
        {
            throw new StreamJobException($"The manifest of checkpoint {snapshotId} of job '{Job}' cannot be read: {e.Message}");
        }

        if (manifest is null)
        {
            throw new StreamJobException($"Job '{Job}' has no checkpoint or savepoint {snapshotId}. {await RetainedIdsAsync()}");
        }

        return (manifest, PlanOf(manifest));
    }

    private async Task<string> RetainedIdsAsync()
    {
        var retained = (await GrainFactory.GetGrain<ICheckpointCoordinatorGrain>(Job).GetCheckpointsAsync())
            .Where(c => c.Status == CheckpointStatus.Completed).Select(c => c.Id).Order().ToList();
        return retained.Count == 0 ? "It retains no completed checkpoint." : $"Its retained checkpoints: {string.Join(", ", retained)}.";
    }

    /// <summary>
    /// The physical plan whose instances are the manifest's: built from the graph registered now at the parallelism the
    /// snapshot was taken with (each chain's instance count tells it; the key-group count does not change which operators
    /// are chained together).
    /// </summary>
    private PhysicalPlan PlanOf(CheckpointManifest manifest)
    {
        var tasks = manifest.Snapshots.Select(h => h.Task).ToHashSet();
        foreach (var parallelism in manifest.Snapshots.GroupBy(h => h.Task.Operator).Select(g => g.Count()).Distinct().OrderDescending())
        {
            var plan = registry.PlanOf(Job, parallelism, InspectedInstance.MaxKeyGroups);
            if (tasks.IsSubsetOf(plan.AllTasks))
            {
                return plan;
            }
        }

        var chains = registry.PlanOf(Job, 1, InspectedInstance.MaxKeyGroups).Vertices.Select(v => v.Uid).ToHashSet();
        var unknown = tasks.Where(t => !chains.Contains(t.Operator)).Select(t => (TaskId?)t).FirstOrDefault();
        throw new StreamJobException(unknown is not null
            ? $"Checkpoint {manifest.CheckpointId} of job '{Job}' holds a snapshot of {unknown}, "
                + "an operator chain the job as registered in the silo does not have."
            : $"The instances of checkpoint {manifest.CheckpointId} of job '{Job}' do not match the job's graph as registered in the silo at any parallelism.");
    }

    // Instances in the plan's order: chain by chain, partition by partition.
    private static IEnumerable<(SnapshotHandle Handle, Vertex Vertex)> Instances(CheckpointManifest manifest, PhysicalPlan plan) =>
        manifest.Snapshots
            .Select(h => (Handle: h, Vertex: plan[h.Task.Operator]))
            .OrderBy(i => i.Vertex.Index).ThenBy(i => i.Handle.Task.Partition);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Inspected checkpoint {CheckpointId} of job {Job}: {Instances} instance snapshots read")]
    private static partial void LogInspected(ILogger logger, string job, long checkpointId, int instances);
}
