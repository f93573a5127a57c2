using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Http.Api.Views;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api;

/// <summary>A job's operators with their instances' figures, asked of every instance through grain calls.</summary>
internal static class OperatorViews
{
    private static readonly TimeSpan InstanceTimeout = TimeSpan.FromSeconds(5);

    public static OperatorView View(OperatorInfo o, string job) =>
        new(o.Uid, o.Chain, o.Parallelism, o.Inputs ?? [], [.. Instances(o, job).Select(t => t.GrainKey)]);

    /// <summary>
    /// Every operator's figures. Instances are asked only while the job runs (asking would activate the grains of a
    /// stopped job); an instance that does not answer in time shows as not running.
    /// </summary>
    public static async Task<OperatorsView> MetricsAsync(IGrainFactory grains, JobInfo job)
    {
        var running = job.Status is JobStatus.Running or JobStatus.Draining;
        var operators = await Task.WhenAll(job.Operators.Select(async o =>
        {
            var instances = await Task.WhenAll(
                Instances(o, job.Name).Select(t => running ? AskAsync(grains, t) : Task.FromResult(new InstanceMetrics(t, Running: false))));
            var watermarks = instances.Where(i => i.CurrentInputWatermark is not null).Select(i => i.CurrentInputWatermark!.Value).ToList();
            return new OperatorMetricsView(
                o.Uid,
                o.Chain,
                o.Parallelism,
                o.Inputs ?? [],
                instances.Sum(i => i.RecordsIn),
                instances.Sum(i => i.RecordsOut),
                instances.Sum(i => i.RecordsInPerSecond),
                instances.Sum(i => i.RecordsOutPerSecond),
                watermarks.Count == instances.Length && watermarks.Count > 0 ? watermarks.Min() : null,
                instances.Length == 0 ? 0 : instances.Max(i => i.BackPressuredTimeMsPerSecond),
                instances.Sum(i => i.LastCheckpointSizeBytes ?? 0),
                instances);
        }));
        return new OperatorsView(operators);
    }

    private static IEnumerable<TaskId> Instances(OperatorInfo o, string job) =>
        Enumerable.Range(0, o.Parallelism).Select(p => new TaskId(job, o.Uid, p));

    private static async Task<InstanceMetrics> AskAsync(IGrainFactory grains, TaskId task)
    {
        try
        {
            return await grains.GetGrain<IOperatorInstanceGrain>(task.GrainKey).GetInstanceMetricsAsync().WaitAsync(InstanceTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return new InstanceMetrics(task, Running: false);
        }
    }
}
