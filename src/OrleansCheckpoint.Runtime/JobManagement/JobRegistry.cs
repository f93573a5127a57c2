using System.Collections.Concurrent;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>A job registered in the silo under a name.</summary>
/// <param name="Name">The name clients use.</param>
/// <param name="Create">
/// Creates the job object (its <see cref="IStreamJob.Build"/> describes the graph) from the silo's services, so a job can
/// take what the host registered (a logger, a lookup table) and use it in its functions. Called once per silo for the
/// graph its starts use, and once when the silo starts, to find the stream namespaces its sources read.
/// </param>
public sealed record JobRegistration(string Name, Func<IServiceProvider, IStreamJob> Create);

/// <summary>The jobs this silo can run, by name, with their graphs and physical plans built once and cached.</summary>
internal sealed class JobRegistry
{
    private readonly IReadOnlyDictionary<string, JobRegistration> _jobs;
    private readonly IServiceProvider _services;
    private readonly ConcurrentDictionary<string, Lazy<JobGraph>> _graphs = new();
    private readonly ConcurrentDictionary<(string Job, int Parallelism, int MaxParallelism), PhysicalPlan> _plans = new();

    public JobRegistry(IEnumerable<JobRegistration> registrations, IServiceProvider services)
    {
        _services = services;
        var jobs = new Dictionary<string, JobRegistration>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            if (!jobs.TryAdd(registration.Name, registration))
            {
                throw new InvalidOperationException($"Two jobs are registered under the name '{registration.Name}'.");
            }
        }

        _jobs = jobs;
    }

    public IEnumerable<string> Names => _jobs.Keys.Order(StringComparer.Ordinal);

    public bool Contains(string job) => _jobs.ContainsKey(job);

    /// <summary>The job's logical graph; throws <see cref="JobNotFoundException"/> for an unknown name.</summary>
    public JobGraph GraphOf(string job)
    {
        if (!_jobs.TryGetValue(job, out var registration))
        {
            throw new JobNotFoundException(job, Names);
        }

        return _graphs.GetOrAdd(job, _ => new Lazy<JobGraph>(() => Build(registration))).Value;
    }

    /// <summary>
    /// The job's graph as a job object made now would describe it, not cached: for looking at every job when the silo
    /// starts (which stream namespaces they read) without fixing the graph a job's first start uses — a factory may depend
    /// on what the host sets after the silo started (the benchmark's jobs take their sizes so).
    /// </summary>
    public JobGraph Describe(string job) =>
        _jobs.TryGetValue(job, out var registration) ? Build(registration) : throw new JobNotFoundException(job, Names);

    private JobGraph Build(JobRegistration registration)
    {
        IStreamJob created;
        try
        {
            created = registration.Create(_services);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // ActivatorUtilities: a constructor's service that the silo does not register, or no constructor it can call.
            throw new InvalidJobGraphException($"Job '{registration.Name}' cannot be created from the silo's services: {e.Message}");
        }

        var builder = new JobBuilder(registration.Name);
        created.Build(builder);
        return builder.Build();
    }

    /// <summary>
    /// Forgets the job's graph and plans, so the next use builds them again from its registration (what deploying a new
    /// version of the job's code to the silo amounts to; tests of job upgrades use it).
    /// </summary>
    public void Forget(string job)
    {
        _graphs.TryRemove(job, out _);
        foreach (var key in _plans.Keys.Where(k => k.Job == job))
        {
            _plans.TryRemove(key, out _);
        }
    }

    public PhysicalPlan PlanOf(string job, int parallelism, int maxParallelism) =>
        _plans.GetOrAdd((job, parallelism, maxParallelism), key => PhysicalPlan.Build(GraphOf(key.Job), key.Parallelism, key.MaxParallelism));
}
