using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Http.Health;

/// <summary>Ready when the storage account answers: its blob service (state, logs, snapshots) and its table service (reminders).</summary>
internal sealed class StorageHealthCheck : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly StorageSettings _storage;
    private readonly BlobContainerClient? _jobs;
    private readonly TableServiceClient? _tables;

    public StorageHealthCheck(IOptions<OrleansCheckpointOptions> options)
    {
        _storage = options.Value.Storage;
        if (_storage.Kind == StorageKind.AzureBlob)
        {
            var blobOptions = new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06);
            blobOptions.Retry.MaxRetries = 0;
            blobOptions.Retry.NetworkTimeout = Timeout;
            _jobs = new BlobServiceClient(_storage.ConnectionString, blobOptions).GetBlobContainerClient(_storage.JobsContainer);
            var tableOptions = new TableClientOptions();
            tableOptions.Retry.MaxRetries = 0;
            tableOptions.Retry.NetworkTimeout = Timeout;
            _tables = new TableServiceClient(_storage.ConnectionString, tableOptions);
        }
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_jobs is null || _tables is null)
        {
            return HealthCheckResult.Healthy("memory storage (unit tests)");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            await _jobs.ExistsAsync(deadline.Token);
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException)
        {
            return HealthCheckResult.Unhealthy($"blob storage at {_jobs.Uri} does not answer: {e.Message.Split('\n')[0]}");
        }

        try
        {
            await foreach (var _ in _tables.QueryAsync(t => t.Name == "OrleansCheckpointProbe", cancellationToken: deadline.Token))
            {
                break;
            }
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException)
        {
            return HealthCheckResult.Unhealthy($"table storage at {_tables.Uri} does not answer: {e.Message.Split('\n')[0]}");
        }

        return HealthCheckResult.Healthy("blob and table storage answer");
    }
}
