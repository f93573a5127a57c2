using Orleans.Concurrency;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>
/// The job manager, one per job (key: the job's name): starts and stops the job, knows its status and
/// generation, routes pushes and queries. Its state is persisted through grain storage, so it survives
/// its own deactivation. An unknown name answers <see cref="Errors.JobNotFoundException"/>.
/// </summary>
public interface IJobManagerGrain : IGrainWithStringKey
{
    /// <summary>Starts the job (a running job is left as it is). Invalid options answer <see cref="Errors.InvalidJobSettingsException"/>.</summary>
    Task<JobInfo> StartAsync(JobStartOptions options);

    /// <summary>
    /// Stops the job. With <paramref name="drain"/>, sources end their input first: every window is emitted and
    /// the job goes <see cref="JobStatus.Draining"/> then <see cref="JobStatus.Finished"/>; without, it stops at once.
    /// </summary>
    Task<JobInfo> StopAsync(bool drain);

    /// <summary>The job's status.</summary>
    [AlwaysInterleave]
    Task<JobInfo> GetInfoAsync();

    /// <summary>The job's counters, summed over its instances.</summary>
    [AlwaysInterleave]
    Task<JobMetrics> GetMetricsAsync();

    /// <summary>The job's last failures, newest first (its exception history).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<JobFailure>> GetFailuresAsync();

    /// <summary>Where to push events; answers <see cref="Errors.JobNotRunningException"/> unless the job runs.</summary>
    [AlwaysInterleave]
    Task<PushRoute> GetPushRouteAsync();

    /// <summary>
    /// The value of <paramref name="key"/>: the committed one from the job's result table, or with
    /// <paramref name="live"/> (or when the job has no result table) the current one from its queryable state.
    /// </summary>
    [AlwaysInterleave]
    Task<QueryResult> QueryAsync(string key, bool live = false);
}

/// <summary>The list of the jobs registered in the cluster (a single grain, key 0).</summary>
public interface IJobCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every registered job with its status, by name.</summary>
    Task<IReadOnlyList<JobInfo>> ListAsync();
}
