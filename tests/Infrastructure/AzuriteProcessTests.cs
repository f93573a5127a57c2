using System.Net;
using System.Net.Sockets;
using OrleansCheckpoint.Azurite;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteProcessTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Shared_azurite_accepts_connections_on_its_blob_endpoint()
    {
        var blob = Endpoint(azurite.ConnectionString, "Blob");

        using var client = new TcpClient();
        await client.ConnectAsync(blob.Host, blob.Port).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(client.Connected);
    }

    [Fact]
    public async Task Shared_azurite_answers_http_on_its_blob_endpoint_as_the_blob_service()
    {
        var blob = Endpoint(azurite.ConnectionString, "Blob");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        // Unsigned, so the service refuses it, but it must answer as Azure Blob Storage does.
        using var response = await http.GetAsync(new Uri(blob, "?comp=list"));

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("x-ms-request-id"), $"no x-ms-request-id in a {(int)response.StatusCode} answer");
    }

    [Fact]
    public async Task A_second_instance_gets_its_own_ports_and_disposing_it_ends_the_process_and_frees_the_port()
    {
        var second = await AzuriteProcess.StartAsync(new AzuriteStartOptions { InMemory = true });
        int[] shared = [.. new[] { "Blob", "Queue", "Table" }.Select(s => Endpoint(azurite.ConnectionString, s).Port)];
        int[] own = [second.BlobPort, second.QueuePort, second.TablePort];
        Assert.Equal(3, own.Distinct().Count());
        Assert.Empty(own.Intersect(shared));
        Assert.True(await AcceptsConnectionAsync(second.BlobPort), "the second instance is not listening");
        using var node = System.Diagnostics.Process.GetProcessById(second.ProcessId);

        await second.DisposeAsync();

        Assert.True(node.HasExited, "the Azurite process still runs after dispose");
        Assert.False(await AcceptsConnectionAsync(second.BlobPort), "the blob port still accepts connections after dispose");
        Assert.False(Directory.Exists(second.Location), "the --location folder was not deleted");
    }

    [Fact]
    public async Task An_instance_on_disk_keeps_blobs_in_its_location_and_disposing_it_deletes_them_and_leaves_other_azurites_running()
    {
        var own = await AzuriteProcess.StartAsync();
        try
        {
            var container = new Azure.Storage.Blobs.BlobContainerClient(own.ConnectionString, "launcher-test");
            await container.CreateAsync();
            await container.UploadBlobAsync("hello.txt", BinaryData.FromString(new string('x', 64 * 1024)));

            Assert.Contains(Directory.EnumerateFiles(own.Location, "*", SearchOption.AllDirectories), f => new FileInfo(f).Length >= 64 * 1024);
            Assert.Equal(64 * 1024, (await container.GetBlobClient("hello.txt").GetPropertiesAsync()).Value.ContentLength);
        }
        finally
        {
            await own.DisposeAsync();
        }

        Assert.False(Directory.Exists(own.Location), "the --location folder was not deleted");
        var shared = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString);
        await shared.GetPropertiesAsync(); // the shared instance still answers
    }

    // Reads "{service}Endpoint=..." from the connection string; a UseDevelopmentStorage string means the default ports.
    private static Uri Endpoint(string connectionString, string service)
    {
        var pairs = connectionString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (pairs.TryGetValue($"{service}Endpoint", out var endpoint))
            return new Uri(endpoint.TrimEnd('/') + "/");
        if (pairs.TryGetValue("UseDevelopmentStorage", out var development) && bool.Parse(development))
        {
            var port = service switch { "Blob" => 10000, "Queue" => 10001, _ => 10002 };
            return new Uri($"http://127.0.0.1:{port}/devstoreaccount1/");
        }

        throw new ArgumentException($"The connection string names no {service} endpoint.", nameof(connectionString));
    }

    private static async Task<bool> AcceptsConnectionAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            return false;
        }
    }
}
