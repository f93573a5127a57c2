using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.RequestCounter;

namespace OrleansCheckpoint.Jobs;

/// <summary>The jobs that ship with OrleansCheckpoint, by name; the silo host registers them all.</summary>
public static class ShippedJobs
{
    /// <summary>Every shipped job: its name and how to create it.</summary>
    public static IReadOnlyDictionary<string, Func<IStreamJob>> All { get; } = new Dictionary<string, Func<IStreamJob>>
    {
        [RequestCounterJob.Name] = () => new RequestCounterJob(),
    };
}
