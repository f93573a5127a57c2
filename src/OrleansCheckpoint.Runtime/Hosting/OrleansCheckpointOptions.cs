using Microsoft.Extensions.Options;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>
/// Settings of the OrleansCheckpoint runtime in a silo, bound from the configuration section
/// <c>OrleansCheckpoint</c> (appsettings.json, or environment variables such as
/// <c>OrleansCheckpoint__Storage__ConnectionString</c>). Validated when the silo starts.
/// </summary>
public sealed class OrleansCheckpointOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrleansCheckpoint";

    /// <summary>Where job state (and, later, checkpoints) are stored.</summary>
    public StorageSettings Storage { get; set; } = new();

    /// <summary>The checkpoint settings of jobs started without their own (<c>client start --checkpoint-…</c>).</summary>
    public CheckpointSettings Checkpointing { get; set; } = new();

    /// <summary>Limits on what clients push.</summary>
    public IngestSettings Ingest { get; set; } = new();

    /// <summary>What a job does after a failure.</summary>
    public Recovery.RestartSettings Restart { get; set; } = new();

    /// <summary>
    /// How often a persistent reminder (stored with the job state's account: Azure Table, or memory) wakes the
    /// manager of each running job, so that a job resumes by itself even when every silo that ran it died, or
    /// the whole cluster restarted. Default 1 minute (the Orleans minimum; a shorter period lowers
    /// <c>ReminderOptions.MinimumReminderPeriod</c>). When only some of a job's silos die, its sources bring its
    /// manager back within seconds without waiting for this.
    /// </summary>
    public TimeSpan SupervisionReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The parallelism of a job started without one. Default 2.</summary>
    public int DefaultParallelism { get; set; } = 2;

    /// <summary>The number of key groups of a job, fixed when it is first started: the highest parallelism it can ever have. Default 128.</summary>
    public int MaxParallelism { get; set; } = 128;

    /// <summary>Records per batch on a channel between operator instances. Default 512 (batches stay off the large-object heap).</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>Batches queued per input channel before the sender waits (the channel's credits). Default 4.</summary>
    public int ChannelCapacity { get; set; } = 4;

    /// <summary>Storage failures on demand, for <c>client chaos</c> (off unless its directory is set).</summary>
    public FaultInjectionSettings FaultInjection { get; set; } = new();
}

/// <summary>Storage write failures on demand (see <see cref="Chaos.StorageFaults"/>): for <c>client chaos</c>, never for production.</summary>
public sealed class FaultInjectionSettings
{
    /// <summary>The directory whose files tell this silo which storage writes to fail. Default: none (no faults).</summary>
    public string? Directory { get; set; }
}

/// <summary>Where grain state is stored.</summary>
public sealed class StorageSettings
{
    /// <summary>
    /// The Azure Storage connection string. Default <c>UseDevelopmentStorage=true</c> (Azurite on its default ports).
    /// </summary>
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>The blob container for job state. Default <c>orleans-checkpoint-jobs</c>.</summary>
    public string JobsContainer { get; set; } = "orleans-checkpoint-jobs";

    /// <summary>The blob container for the sources' ingest logs. Default <c>orleans-checkpoint-ingest</c>.</summary>
    public string IngestContainer { get; set; } = "orleans-checkpoint-ingest";

    /// <summary>The blob container that file sinks commit their part files to. Default <c>orleans-checkpoint-output</c>.</summary>
    public string OutputContainer { get; set; } = "orleans-checkpoint-output";

    /// <summary>
    /// The blob container of file sources whose location names none (<c>/prefix</c>). Default <c>orleans-checkpoint-input</c>.
    /// </summary>
    public string InputContainer { get; set; } = "orleans-checkpoint-input";

    /// <summary>The blob container for checkpoint snapshots and manifests. Default <c>orleans-checkpoint-snapshots</c>.</summary>
    public string CheckpointsContainer { get; set; } = "orleans-checkpoint-snapshots";

    /// <summary>
    /// The name of the Orleans grain storage that snapshots are written through. Default <c>checkpoints</c>, which
    /// the runtime registers (Azure Blob in <see cref="CheckpointsContainer"/>); name another registered
    /// <c>IGrainStorage</c> to use it instead.
    /// </summary>
    public string CheckpointProvider { get; set; } = CheckpointSiloBuilderExtensions.CheckpointStorageName;

    /// <summary>
    /// <c>AzureBlob</c> (default) or <c>Memory</c>. Memory keeps state in the silo's memory and loses it with the
    /// silo: for unit tests only.
    /// </summary>
    public StorageKind Kind { get; set; } = StorageKind.AzureBlob;

    /// <summary>How long the silo waits at start-up for the storage to answer. Default 20 s.</summary>
    public TimeSpan StartupProbeTimeout { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>Kinds of storage.</summary>
public enum StorageKind
{
    /// <summary>Azure Blob Storage (or Azurite).</summary>
    AzureBlob,

    /// <summary>In the silo's memory: unit tests only.</summary>
    Memory,
}

/// <summary>Limits on pushes.</summary>
public sealed class IngestSettings
{
    /// <summary>The most events one push may carry. Default 10,000.</summary>
    public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>The most bytes (the UTF-8 encoding of its lines) one push may carry. Default 8 MiB.</summary>
    public long MaxBatchBytes { get; set; } = 8L << 20;

    /// <summary>
    /// The largest ingest-log segment a group commit writes (pushes that arrive while a segment is written go
    /// into the next one together). Default 4 MiB.
    /// </summary>
    public long MaxSegmentBytes { get; set; } = 4L << 20;

    /// <summary>
    /// The most bytes (characters) of pushes a source partition holds accepted but not yet durable and queued;
    /// further pushes wait (backpressure), however many producers push at once. At least MaxBatchBytes. Default 32 MiB.
    /// </summary>
    public long MaxPendingBytes { get; set; } = 32L << 20;

    /// <summary>
    /// How long a source partition remembers a producer that pushes nothing (as Kafka's producer-id expiration): its last
    /// sequence is then forgotten, so the map does not grow with every producer ever seen. A push of a forgotten producer
    /// with a sequence above 1 is refused (a gap); one that starts again at 1 is logged as new. Default 7 days.
    /// </summary>
    public TimeSpan ProducerRetention { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>Checks <see cref="OrleansCheckpointOptions"/> at start-up; each failure names the setting.</summary>
internal sealed class OrleansCheckpointOptionsValidator : IValidateOptions<OrleansCheckpointOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansCheckpointOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string setting, object? value, string rule)
        {
            if (!ok)
            {
                errors.Add($"{OrleansCheckpointOptions.SectionName}:{setting} = '{value}' is not valid: {rule}.");
            }
        }

        Require(options.MaxParallelism is >= 1 and <= 32_768, nameof(options.MaxParallelism), options.MaxParallelism, "it must be between 1 and 32768");
        Require(options.DefaultParallelism >= 1 && options.DefaultParallelism <= options.MaxParallelism, nameof(options.DefaultParallelism), options.DefaultParallelism, "it must be between 1 and MaxParallelism");
        Require(options.BatchSize is >= 1 and <= 4096, nameof(options.BatchSize), options.BatchSize, "it must be between 1 and 4096");
        Require(options.ChannelCapacity is >= 1 and <= 1024, nameof(options.ChannelCapacity), options.ChannelCapacity, "it must be between 1 and 1024");
        Require(options.SupervisionReminderPeriod >= TimeSpan.FromSeconds(1), nameof(options.SupervisionReminderPeriod), options.SupervisionReminderPeriod, "it must be at least 1 second");
        Require(options.Ingest.MaxBatchEvents >= 1, "Ingest:MaxBatchEvents", options.Ingest.MaxBatchEvents, "it must be positive");
        Require(options.Ingest.MaxBatchBytes >= 1, "Ingest:MaxBatchBytes", options.Ingest.MaxBatchBytes, "it must be positive");
        Require(options.Ingest.MaxSegmentBytes >= 1, "Ingest:MaxSegmentBytes", options.Ingest.MaxSegmentBytes, "it must be positive");
        Require(options.Ingest.MaxPendingBytes >= options.Ingest.MaxBatchBytes, "Ingest:MaxPendingBytes", options.Ingest.MaxPendingBytes, "it must be at least Ingest:MaxBatchBytes");
        Require(options.Ingest.ProducerRetention > TimeSpan.Zero, "Ingest:ProducerRetention", options.Ingest.ProducerRetention, "it must be positive");
        Require(!string.IsNullOrWhiteSpace(options.Storage.OutputContainer), "Storage:OutputContainer", options.Storage.OutputContainer, "it must be a blob container name");
        Require(!string.IsNullOrWhiteSpace(options.Storage.IngestContainer), "Storage:IngestContainer", options.Storage.IngestContainer, "it must be a blob container name");
        Require(Sources.DeadLetterLocation.Problem(options.Storage.InputContainer) is null, "Storage:InputContainer", options.Storage.InputContainer, "it must be a blob container name");
        Require(options.Storage.StartupProbeTimeout > TimeSpan.Zero, "Storage:StartupProbeTimeout", options.Storage.StartupProbeTimeout, "it must be positive");
        Require(!string.IsNullOrWhiteSpace(options.Storage.JobsContainer), "Storage:JobsContainer", options.Storage.JobsContainer, "it must be a blob container name");
        Require(!string.IsNullOrWhiteSpace(options.Storage.CheckpointsContainer), "Storage:CheckpointsContainer", options.Storage.CheckpointsContainer, "it must be a blob container name");
        Require(!string.IsNullOrWhiteSpace(options.Storage.CheckpointProvider), "Storage:CheckpointProvider", options.Storage.CheckpointProvider, "it must name a grain storage");
        foreach (var problem in options.Restart.Problems())
        {
            errors.Add($"{OrleansCheckpointOptions.SectionName}:{problem}.");
        }

        foreach (var problem in options.Checkpointing.Validate())
        {
            errors.Add($"{OrleansCheckpointOptions.SectionName}:Checkpointing:{problem.Setting} {problem.Message}.");
        }

        if (options.Storage.Kind == StorageKind.AzureBlob)
        {
            var problem = StorageConnection.Problem(options.Storage.ConnectionString);
            Require(problem is null, "Storage:ConnectionString", Redact(options.Storage.ConnectionString), problem ?? string.Empty);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string Redact(string connectionString) =>
        System.Text.RegularExpressions.Regex.Replace(connectionString ?? string.Empty, "(AccountKey|SharedAccessSignature)=[^;]*", "$1=***");
}
