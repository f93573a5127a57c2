using Azure.Storage.Blobs;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>Creates the blob clients of the configured storage account.</summary>
internal static class StorageConnection
{
    /// <summary>
    /// Azurite 3.37 accepts API versions up to 2026-06-06; pinning the client to it works against Azurite and
    /// Azure alike (so Azurite need not run with --skipApiVersionCheck).
    /// </summary>
    public static BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06);
        options.Retry.MaxRetries = 3;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    public static BlobServiceClient CreateBlobServiceClient(string connectionString) => new(connectionString, ClientOptions());

    /// <summary>Why <paramref name="connectionString"/> cannot be used, or <c>null</c> if it can.</summary>
    public static string? Problem(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "it is empty; give an Azure Storage connection string, or UseDevelopmentStorage=true for Azurite";
        }

        try
        {
            _ = CreateBlobServiceClient(connectionString);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            return $"it is not an Azure Storage connection string ({e.Message})";
        }
    }
}
