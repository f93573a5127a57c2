using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.JobManagement;

namespace OrleansCheckpoint.Runtime.Sources.OrleansStreams;

/// <summary>A source of a registered job that reads an Orleans stream namespace: where that namespace's events are logged.</summary>
/// <param name="Job">The job.</param>
/// <param name="SourceUid">The source operator's uid.</param>
/// <param name="Subscription">The provider and namespace it reads.</param>
internal sealed record StreamSourceRoute(string Job, string SourceUid, OrleansStreamSubscription Subscription);

/// <summary>
/// The sources of the silo's registered jobs that read Orleans streams (<see cref="JobBuilder.FromOrleansStream{T}"/>),
/// found once from the job registry (the jobs a silo runs are fixed when it starts). A job whose graph cannot be built is
/// left out here (whatever its exception); starting it reports why.
/// </summary>
internal sealed class StreamSourceDirectory
{
    private readonly Lazy<IReadOnlyList<StreamSourceRoute>> _routes;

    public StreamSourceDirectory(JobRegistry registry) => _routes = new(() => Find(registry));

    /// <summary>Every stream-reading source of every registered job.</summary>
    public IReadOnlyList<StreamSourceRoute> Routes => _routes.Value;

    /// <summary>The namespaces some source reads, on any provider.</summary>
    public IReadOnlyList<string> Namespaces => [.. Routes.Select(r => r.Subscription.StreamNamespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The sources that read <paramref name="streamNamespace"/> of provider <paramref name="providerName"/>.</summary>
    public IReadOnlyList<StreamSourceRoute> RoutesOf(string providerName, string streamNamespace) =>
        [.. Routes.Where(r => r.Subscription.ProviderName == providerName && r.Subscription.StreamNamespace == streamNamespace)];

    private static List<StreamSourceRoute> Find(JobRegistry registry)
    {
        var routes = new List<StreamSourceRoute>();
        foreach (var job in registry.Names)
        {
            JobGraph graph;
            try
            {
                graph = registry.Describe(job); // not the cached graph: that is made when the job first starts
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                continue; // starting the job names the problem; the silo must start all the same
            }

            routes.AddRange(graph.Transformations.Where(t => t.Subscription is not null).Select(t => new StreamSourceRoute(job, t.Uid, t.Subscription!)));
        }

        return routes;
    }
}
