using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>
/// Before the silo accepts work, checks that the grain storage named for snapshots is registered and that the
/// configured storage answers — blob (state, logs, snapshots, output) and table (reminders) — so a misspelled
/// provider, an unreachable Azurite or a wrong account is one clear error at start-up, naming the service and the
/// setting, rather than failed grain calls later.
/// </summary>
internal sealed partial class StorageStartupProbe(IOptions<OrleansCheckpointOptions> options, IServiceProvider services, ILogger<StorageStartupProbe> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StorageStartupProbe), ServiceLifecycleStage.RuntimeInitialize, ProbeAsync);

    private async Task ProbeAsync(CancellationToken cancellation)
    {
        var storage = options.Value.Storage;
        if (services.GetKeyedService<IGrainStorage>(storage.CheckpointProvider) is null)
        {
            throw new OptionsValidationException(OrleansCheckpointOptions.SectionName, typeof(OrleansCheckpointOptions), [
                $"{OrleansCheckpointOptions.SectionName}:Storage:CheckpointProvider = '{storage.CheckpointProvider}' names no grain storage registered in the silo. " +
                $"Use '{CheckpointSiloBuilderExtensions.CheckpointStorageName}' (the runtime's own, in Storage:CheckpointsContainer) or register an IGrainStorage under that name."]);
        }

        if (storage.Kind != StorageKind.AzureBlob)
        {
            return;
        }

        var blobOptions = StorageConnection.ClientOptions();
        blobOptions.Retry.MaxRetries = 0;
        blobOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        var blobs = new BlobServiceClient(storage.ConnectionString, blobOptions);
        await UntilAnsweredAsync(
            async deadline =>
            {
                foreach (var container in new[] { storage.JobsContainer, storage.IngestContainer, storage.CheckpointsContainer, storage.OutputContainer })
                {
                    await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: deadline);
                }
            },
            $"Blob storage at {blobs.Uri}",
            "Start Azurite (see the README section \"Run a silo and a client yourself\") or point the connection string at your storage account.",
            cancellation);
        LogStorageReady(logger, "Blob", blobs.Uri);

        // Running jobs' supervision reminders live in a table of the same account (Azurite: its table service).
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 0;
        tableOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        var tables = new TableServiceClient(storage.ConnectionString, tableOptions);
        await UntilAnsweredAsync(
            async deadline =>
            {
                await foreach (var _ in tables.QueryAsync(t => t.Name == "OrleansCheckpointProbe", cancellationToken: deadline))
                {
                    break;
                }
            },
            $"Table storage at {tables.Uri} (where jobs' supervision reminders are kept)",
            "Start Azurite with its table service (`azurite`, not `azurite-blob`), or use a storage account that has one.",
            cancellation);
        LogStorageReady(logger, "Table", tables.Uri);
    }

    private async Task UntilAnsweredAsync(Func<CancellationToken, Task> probe, string what, string remedy, CancellationToken cancellation)
    {
        var timeout = options.Value.Storage.StartupProbeTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        Exception? last = null;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                await probe(deadline.Token);
                return;
            }
            catch (Exception e) when (e is RequestFailedException or AggregateException or OperationCanceledException or HttpRequestException)
            {
                last = e;
                if (e is RequestFailedException { Status: 403 or 400 })
                {
                    break; // wrong key or unsupported request: waiting will not help
                }

                await Task.Delay(250, CancellationToken.None);
            }
        }

        throw new StorageUnavailableException(
            $"{what} ({OrleansCheckpointOptions.SectionName}:Storage:ConnectionString) did not answer within {timeout.TotalSeconds:0.#} s: " +
            $"{last?.Message.Split('\n')[0] ?? "no answer"}. {remedy}",
            last);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} storage at {Endpoint} is reachable")]
    private static partial void LogStorageReady(ILogger logger, string service, Uri endpoint);
}

/// <summary>The silo's storage did not answer at start-up; the message names the service, endpoint and setting.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner) : InvalidOperationException(message, inner);
