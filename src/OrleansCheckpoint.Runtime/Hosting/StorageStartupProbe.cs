using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>
/// Before the silo accepts work, checks that the configured blob storage answers, so an unreachable
/// Azurite or a wrong account is one clear error at start-up rather than failed grain calls later.
/// </summary>
internal sealed partial class StorageStartupProbe(IOptions<OrleansCheckpointOptions> options, ILogger<StorageStartupProbe> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StorageStartupProbe), ServiceLifecycleStage.RuntimeInitialize, ProbeAsync);

    private async Task ProbeAsync(CancellationToken cancellation)
    {
        var storage = options.Value.Storage;
        if (storage.Kind != StorageKind.AzureBlob)
        {
            return;
        }

        var clientOptions = StorageConnection.ClientOptions();
        clientOptions.Retry.MaxRetries = 0;
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        var client = new BlobServiceClient(storage.ConnectionString, clientOptions);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(storage.StartupProbeTimeout);
        Exception? last = null;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                foreach (var container in new[] { storage.JobsContainer, storage.IngestContainer, storage.CheckpointsContainer, storage.OutputContainer })
                {
                    await client.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: deadline.Token);
                }

                LogStorageReady(logger, client.Uri);
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

        throw new InvalidOperationException(
            $"Blob storage at {client.Uri} ({OrleansCheckpointOptions.SectionName}:Storage:ConnectionString) did not answer within {storage.StartupProbeTimeout.TotalSeconds:0} s: " +
            $"{last?.Message.Split('\n')[0] ?? "no answer"}. Start Azurite (see the README section \"Run a silo and a client yourself\") " +
            "or point the connection string at your storage account.",
            last);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Blob storage at {Endpoint} is reachable")]
    private static partial void LogStorageReady(ILogger logger, Uri endpoint);
}
