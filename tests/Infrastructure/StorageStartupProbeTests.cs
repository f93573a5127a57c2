using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansCheckpoint.Runtime.Hosting;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A silo whose storage does not answer, or whose port another process holds, refuses to start with an error that
/// names the service or port and the setting (real silo hosts, against the shared Azurite and against a port where
/// nothing listens); <see cref="SiloStartupFailure"/> makes the one line the silo prints of it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageStartupProbeTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_silo_whose_blob_storage_does_not_answer_fails_to_start_naming_it()
    {
        var dead = DeadPort();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKeyOf(azurite.ConnectionString)};" +
                         $"BlobEndpoint=http://127.0.0.1:{dead}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{dead}/devstoreaccount1;";

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartSiloAsync(connection));

        var message = Flatten(error);
        Assert.Contains($"Blob storage at http://127.0.0.1:{dead}/devstoreaccount1", message);
        Assert.StartsWith($"Blob storage at http://127.0.0.1:{dead}/devstoreaccount1", SiloStartupFailure.Describe(error));
        Assert.Contains("OrleansCheckpoint:Storage:ConnectionString", message);
        Assert.Contains("did not answer within 1 s", message);
    }

    [Fact]
    public async Task A_silo_whose_account_has_no_table_service_for_reminders_fails_to_start_naming_it()
    {
        var dead = DeadPort();
        var connection = System.Text.RegularExpressions.Regex.Replace(
            azurite.ConnectionString, "TableEndpoint=http://127.0.0.1:[0-9]+/", $"TableEndpoint=http://127.0.0.1:{dead}/");
        Assert.Contains($":{dead}/", connection);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartSiloAsync(connection));

        var message = Flatten(error);
        Assert.Contains($"Table storage at http://127.0.0.1:{dead}/devstoreaccount1", message);
        Assert.Contains("supervision reminders", message);
        Assert.Contains("azurite-blob", message);
    }

    [Fact]
    public async Task A_silo_whose_gateway_port_another_process_holds_fails_to_start_naming_the_port()
    {
        using var other = new TcpListener(IPAddress.Any, 0);
        other.Start();
        var taken = ((IPEndPoint)other.LocalEndpoint).Port;
        var siloPort = FreePort();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartSiloAsync(azurite.ConnectionString, siloPort, taken));

        var problem = SiloStartupFailure.Describe(error, new EndpointOptions { SiloPort = siloPort, GatewayPort = taken });
        Assert.Equal($"Silo:GatewayPort = {taken} is already in use by another process; choose a free port", problem);
    }

    [Fact]
    public void Only_configuration_storage_and_port_problems_are_described_and_a_bug_keeps_its_stack_trace()
    {
        Assert.Equal("Silo:GatewayPort = 99999 is not a valid port", SiloStartupFailure.Describe(new ArgumentException("Silo:GatewayPort = 99999 is not a valid port")));
        Assert.NotNull(SiloStartupFailure.Describe(new OptionsValidationException("OrleansCheckpoint", typeof(object), ["bad"])));
        Assert.Null(SiloStartupFailure.Describe(new InvalidOperationException("Sequence contains no elements")));
        Assert.Null(SiloStartupFailure.Describe(new NullReferenceException()));
    }

    [Fact]
    public async Task A_silo_whose_checkpoint_provider_names_no_registered_grain_storage_fails_to_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartSiloAsync(azurite.ConnectionString, checkpointProvider: "chekpoints"));

        var message = Flatten(error);
        Assert.Contains("OrleansCheckpoint:Storage:CheckpointProvider = 'chekpoints' names no grain storage registered in the silo", message);
        Assert.StartsWith("OrleansCheckpoint:Storage:CheckpointProvider = 'chekpoints'", SiloStartupFailure.Describe(error)); // the silo's one line
    }

    [Fact]
    public async Task A_silo_whose_checkpoint_provider_names_a_registered_grain_storage_starts()
    {
        await StartSiloAsync(azurite.ConnectionString, checkpointProvider: "jobs"); // the job storage: registered, so accepted
    }

    private static async Task StartSiloAsync(string connectionString, int? siloPort = null, int? gatewayPort = null, string? checkpointProvider = null)
    {
        using var host = new HostBuilder()
            .UseOrleans(silo => silo
                .UseLocalhostClustering(siloPort ?? FreePort(), gatewayPort ?? FreePort(), serviceId: "probe-test", clusterId: $"probe-{Guid.NewGuid():N}")
                .AddOrleansCheckpoint(o =>
                {
                    o.Storage.ConnectionString = connectionString;
                    o.Storage.StartupProbeTimeout = TimeSpan.FromSeconds(1);
                    o.Storage.CheckpointProvider = checkpointProvider ?? o.Storage.CheckpointProvider;
                }))
            .Build();
        try
        {
            await host.StartAsync();
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static string AccountKeyOf(string connectionString) =>
        System.Text.RegularExpressions.Regex.Match(connectionString, "AccountKey=([^;]+)").Groups[1].Value;

    private static string Flatten(Exception error)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" | ", messages);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A loopback port where nothing listens (taken and released again).</summary>
    private static int DeadPort() => FreePort();
}
