using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Jobs.Verification;

namespace OrleansCheckpoint.Jobs;

/// <summary>The jobs that ship with OrleansCheckpoint, by name; the silo host registers them all.</summary>
public static class ShippedJobs
{
    /// <summary>The events a shipped Nexmark job generates (<c>client bench</c> registers its own, with <c>--events</c>).</summary>
    public const long NexmarkEvents = 10_000_000;

    /// <summary>Every shipped job: its name and how to create it.</summary>
    public static IReadOnlyDictionary<string, Func<IStreamJob>> All { get; } = new Dictionary<string, Func<IStreamJob>>
    {
        [RequestCounterJob.Name] = () => new RequestCounterJob(),
        [VerificationJob.Name] = () => new VerificationJob(),
        [VerificationFilesJob.Name] = () => new VerificationFilesJob(),
    }.Concat(NexmarkQueries.Names.Select(q => KeyValuePair.Create(NexmarkQueries.JobName(q), (Func<IStreamJob>)(() => NexmarkQueries.Create(q, new NexmarkSettings(NexmarkEvents))))))
    .ToDictionary();
}
