using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.JobManagement;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>Registers the OrleansCheckpoint runtime in a silo.</summary>
public static class CheckpointSiloBuilderExtensions
{
    /// <summary>The grain storage that holds each job manager's state.</summary>
    public const string JobStorageName = "jobs";

    /// <summary>The grain storage the runtime registers for checkpoint snapshots and manifests.</summary>
    public const string CheckpointStorageName = "checkpoints";

    /// <summary>
    /// Adds the runtime: operator and job-manager grains, job storage (Azure Blob, or memory for unit tests),
    /// the results stream provider, and options from <paramref name="configuration"/>'s
    /// <c>OrleansCheckpoint</c> section. Invalid settings throw <see cref="OptionsValidationException"/> here,
    /// naming the setting, before the silo starts.
    /// </summary>
    public static ISiloBuilder AddOrleansCheckpoint(this ISiloBuilder silo, IConfiguration configuration) =>
        silo.AddOrleansCheckpoint(options => configuration.GetSection(OrleansCheckpointOptions.SectionName).Bind(options));

    /// <summary>Adds the runtime with options set by <paramref name="configure"/>; see the other overload.</summary>
    public static ISiloBuilder AddOrleansCheckpoint(this ISiloBuilder silo, Action<OrleansCheckpointOptions> configure)
    {
        var options = new OrleansCheckpointOptions();
        configure(options);
        var validation = new OrleansCheckpointOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(OrleansCheckpointOptions.SectionName, typeof(OrleansCheckpointOptions), validation.Failures);
        }

        silo.Services.AddOptions<OrleansCheckpointOptions>().Configure(configure).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<OrleansCheckpointOptions>, OrleansCheckpointOptionsValidator>();
        silo.Services.AddSingleton<JobRegistry>();
        silo.Services.AddSingleton<Sources.OrleansStreams.StreamSourceDirectory>(); // the namespaces jobs read from Orleans streams
        silo.Services.AddSingleton<Recovery.GoneSilos>();
        silo.Services.AddMetrics();
        silo.Services.AddSingleton<Metrics.StreamMetrics>(sp => new(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        silo.Services.AddSingleton<Ingest.IngestLogFactory>();
        silo.Services.TryAddSingleton(TimeProvider.System); // the clock of processing-time timers
        var faults = options.FaultInjection.Directory is { Length: > 0 } faultDirectory ? new Chaos.StorageFaults(faultDirectory) : null;
        silo.Services.AddSingleton<Sinks.IOutputFiles>(sp =>
        {
            Sinks.IOutputFiles files = options.Storage.Kind == StorageKind.Memory
                ? new Sinks.MemoryOutputFiles()
                : new Sinks.BlobOutputFiles(StorageConnection.CreateBlobServiceClient(options.Storage.ConnectionString).GetBlobContainerClient(options.Storage.OutputContainer));
            return faults is null ? files : new Chaos.ChaosOutputFiles(files, faults);
        });
        silo.Services.AddSingleton(sp => new Sources.DeadLetters(
            options.Storage.Kind == StorageKind.Memory
                ? new Sources.MemoryDeadLetterStore()
                : new Sources.BlobDeadLetterStore(StorageConnection.CreateBlobServiceClient(options.Storage.ConnectionString)),
            options.Storage.OutputContainer));
        silo.Services.AddSingleton<Sources.ISourceFiles>(sp => options.Storage.Kind == StorageKind.Memory
            ? new Sources.MemorySourceFiles(options.Storage.InputContainer)
            : new Sources.BlobSourceFiles(StorageConnection.CreateBlobServiceClient(options.Storage.ConnectionString), options.Storage.InputContainer));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StorageStartupProbe>();

        silo.Services.AddSingleton(sp => new SnapshotStore(
            sp.GetRequiredKeyedService<IGrainStorage>(sp.GetRequiredService<IOptions<OrleansCheckpointOptions>>().Value.Storage.CheckpointProvider),
            sp.GetRequiredService<Serializer>()));

        foreach (var (name, container) in new[] { (JobStorageName, options.Storage.JobsContainer), (CheckpointStorageName, options.Storage.CheckpointsContainer) })
        {
            if (options.Storage.Kind == StorageKind.Memory)
            {
                silo.AddMemoryGrainStorage(name);
            }
            else
            {
                silo.AddAzureBlobGrainStorage(name, builder => builder.Configure<IServiceProvider>((o, services) =>
                {
                    o.BlobServiceClient = StorageConnection.CreateBlobServiceClient(options.Storage.ConnectionString);
                    o.ContainerName = container;
                    if (name == CheckpointStorageName)
                    {
                        o.GrainStorageSerializer = new SnapshotBlobSerializer(services.GetRequiredService<IGrainStorageSerializer>()); // snapshots raw, manifests JSON
                    }
                }));
            }
        }

        if (faults is not null)
        {
            silo.Services.AddSingleton(faults);
            silo.Services.AddSingleton<Ingest.SegmentStoreInterceptor>((partition, inner) => new Chaos.ChaosSegmentStore(inner, faults, partition.GrainKey));
            DecorateGrainStorage(silo.Services, JobStorageName, inner => new Chaos.ChaosGrainStorage(inner, faults, Chaos.StorageFaultKind.Job));
            DecorateGrainStorage(silo.Services, CheckpointStorageName, inner => new Chaos.ChaosGrainStorage(inner, faults, Chaos.StorageFaultKind.Snapshot));
        }

        // Running jobs' supervision reminders, stored next to the job state (Azure Table on the same account).
        if (options.Storage.Kind == StorageKind.Memory)
        {
            silo.UseInMemoryReminderService();
        }
        else
        {
            silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(options.Storage.ConnectionString));
        }

        if (options.SupervisionReminderPeriod < TimeSpan.FromMinutes(1))
        {
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = options.SupervisionReminderPeriod);
        }

        // The results stream: memory streams (they need a pub-sub store for subscriptions).
        silo.AddMemoryGrainStorage("PubSubStore");
        silo.AddMemoryStreams(ResultsStream.ProviderName);
        return silo;
    }

    /// <summary>Replaces the grain storage registered under <paramref name="name"/> by a decorator of it.</summary>
    internal static void DecorateGrainStorage(IServiceCollection services, string name, Func<IGrainStorage, IGrainStorage> decorate)
    {
        var original = services.Last(d => d.IsKeyedService && Equals(d.ServiceKey, name) && d.ServiceType == typeof(IGrainStorage));
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => decorate((IGrainStorage)original.KeyedImplementationFactory!(sp, key)));
    }

    /// <summary>
    /// Registers a job under <paramref name="name"/>; clients start it with <c>client start name</c>. The job is created
    /// once per silo from the silo's services: its constructor may take any registered service (a logger, a lookup
    /// table, options), as an ASP.NET Core controller's does.
    /// </summary>
    public static IServiceCollection AddStreamJob<TJob>(this IServiceCollection services, string name)
        where TJob : IStreamJob => services.AddStreamJob(name, sp => ActivatorUtilities.CreateInstance<TJob>(sp));

    /// <summary>Registers a job under <paramref name="name"/>, created by <paramref name="create"/>.</summary>
    public static IServiceCollection AddStreamJob(this IServiceCollection services, string name, Func<IStreamJob> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return services.AddStreamJob(name, _ => create());
    }

    /// <summary>Registers a job under <paramref name="name"/>, created by <paramref name="create"/> from the silo's services.</summary>
    public static IServiceCollection AddStreamJob(this IServiceCollection services, string name, Func<IServiceProvider, IStreamJob> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        if (name.Contains('/'))
        {
            throw new ArgumentException($"Job name '{name}' may not contain '/'.", nameof(name));
        }

        return services.AddSingleton(new JobRegistration(name, create));
    }
}
