using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Azurite;
using OrleansCheckpoint.Cli.Connection;
using OrleansCheckpoint.Http.Hosting;
using OrleansCheckpoint.Jobs;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Cli.Demo;

/// <summary>
/// A whole cluster inside this process, for the demo and the benchmark: Azurite (started from the repository's
/// pinned package, or the one named by <c>AZURITE_CONN</c>) and one silo with the shipped jobs (or the jobs it is
/// given) and its HTTP face (REST API, metrics, dashboard), on free loopback ports. It says what it does before each
/// step that may take a while. Disposing stops the silo, then Azurite.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private static readonly TimeSpan SiloShutdownTimeout = TimeSpan.FromSeconds(10);

    private AzuriteProcess? _azurite;
    private WebApplication? _silo;

    private LocalCluster(ConnectionSettings connection) => Connection = connection;

    /// <summary>How to connect to the silo.</summary>
    public ConnectionSettings Connection { get; private set; }

    /// <summary>The settings the in-process silo runs with.</summary>
    public OrleansCheckpointOptions SiloOptions =>
        (_silo ?? throw new InvalidOperationException("The silo is not running.")).Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OrleansCheckpointOptions>>().Value;

    /// <summary>The address of the silo's dashboard and REST API (<c>http://127.0.0.1:port</c>).</summary>
    public Uri? HttpAddress { get; private set; }

    /// <summary>The Azurite process this cluster started (null when it uses the one <c>AZURITE_CONN</c> names).</summary>
    public int? AzuriteProcessId => _azurite?.ProcessId;

    /// <param name="ids">The cluster and service ids the silo runs with (its gateway is chosen here).</param>
    /// <param name="progress">Hears what was started, for people.</param>
    /// <param name="cancellation">Cancels starting; what was started is stopped.</param>
    /// <param name="jobs">The jobs the silo registers, by name; <see cref="ShippedJobs.All"/> if null.</param>
    public static async Task<LocalCluster> StartAsync(
        ConnectionSettings ids, Action<string> progress, CancellationToken cancellation, IReadOnlyDictionary<string, Func<Dataflow.IStreamJob>>? jobs = null)
    {
        var cluster = new LocalCluster(ids);
        try
        {
            var storage = await cluster.StartAzuriteAsync(progress, cancellation);
            await cluster.StartSiloAsync(ids, storage, jobs ?? ShippedJobs.All, progress, cancellation);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_silo is { } silo)
        {
            _silo = null;
            using var deadline = new CancellationTokenSource(SiloShutdownTimeout);
            try
            {
                await silo.StopAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // It took too long; disposing ends it.
            }

            await silo.DisposeAsync();
        }

        if (_azurite is { } azurite)
        {
            _azurite = null;
            await azurite.DisposeAsync();
        }
    }

    private async Task<string> StartAzuriteAsync(Action<string> progress, CancellationToken cancellation)
    {
        (var storage, _azurite) = await StartStorageAsync(progress, cancellation);
        return storage;
    }

    /// <summary>
    /// The storage a local cluster uses: the Azurite <c>AZURITE_CONN</c> names, or one started here from the repository's
    /// pinned package (returned, for the caller to dispose). Says what it does.
    /// </summary>
    public static async Task<(string ConnectionString, AzuriteProcess? Started)> StartStorageAsync(Action<string> progress, CancellationToken cancellation)
    {
        if (AzuriteProcess.ExistingConnectionStringFromEnvironment() is { } existing)
        {
            progress($"Azurite: using the one {AzuriteProcess.ConnectionStringVariable} names");
            return (existing, null);
        }

        progress("Azurite: starting (from the repository's node_modules)…");
        var clock = Stopwatch.StartNew();
        AzuriteProcess azurite;
        try
        {
            azurite = await AzuriteProcess.StartAsync(new AzuriteStartOptions { Progress = progress }, cancellation);
        }
        catch (InvalidOperationException e)
        {
            throw new ClientException($"could not start Azurite: {e.Message}");
        }

        progress($"Azurite: started in {clock.Elapsed.TotalSeconds:0.0} s (pid {azurite.ProcessId}, blob port {azurite.BlobPort})");
        return (azurite.ConnectionString, azurite);
    }

    private async Task StartSiloAsync(
        ConnectionSettings ids, string storageConnectionString, IReadOnlyDictionary<string, Func<Dataflow.IStreamJob>> jobs, Action<string> progress, CancellationToken cancellation)
    {
        progress("Silo: starting in this process…");
        var clock = Stopwatch.StartNew();
        var (siloPort, gatewayPort, httpPort) = FreeLoopbackPorts();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Configuration.AddEnvironmentVariables(); // e.g. OrleansCheckpoint__Http__Prometheus=false; ports and storage are set below
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{SiloSettings.SectionName}:SiloPort"] = $"{siloPort}",
            [$"{SiloSettings.SectionName}:GatewayPort"] = $"{gatewayPort}",
            [$"{CheckpointHttpOptions.SectionName}:Port"] = $"{httpPort}",
            [$"{SiloSettings.SectionName}:ClusterId"] = ids.ClusterId,
            [$"{SiloSettings.SectionName}:ServiceId"] = ids.ServiceId,
            [$"{OrleansCheckpointOptions.SectionName}:Storage:ConnectionString"] = storageConnectionString,
        });
        if (_azurite is null)
        {
            // An Azurite of the user's (AZURITE_CONN) may hold an earlier run's jobs: this run's state goes to containers of its own.
            var run = Guid.NewGuid().ToString("N")[..8];
            builder.Configuration.AddInMemoryCollection(
                new[] { "Jobs", "Ingest", "Output", "Checkpoints" }.ToDictionary(
                    c => $"{OrleansCheckpointOptions.SectionName}:Storage:{c}Container", c => (string?)$"orleans-checkpoint-{c.ToLowerInvariant()}-{run}"));
        }

        builder.Logging.AddClientConsoleLogging();

        // At start-up the Orleans 10.4 watchdog warns of a "participant check" that "has not completed" for as long as
        // the time of day: a false alarm on the demo's first screen.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = SiloShutdownTimeout);
        try
        {
            _silo = builder.BuildSilo(jobs);
            await _silo.StartAsync(cancellation);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            throw new ClientException($"the in-process silo did not start: {e.Message}");
        }

        Connection = ids with { Gateways = new GatewayList([new GatewayAddress(IPAddress.Loopback.ToString(), gatewayPort)]), MembershipStorage = null };
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}/");
        progress($"Silo: started in this process in {clock.Elapsed.TotalSeconds:0.0} s (gateway {Connection.Gateways})");
        progress($"Dashboard: {HttpAddress} (REST API at {HttpAddress}jobs, Prometheus metrics at {HttpAddress}metrics)");
    }

    // Binds the three listeners before releasing any, so the ports differ.
    private static (int Silo, int Gateway, int Http) FreeLoopbackPorts()
    {
        var sockets = Enumerable.Range(0, 3).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToArray();
        try
        {
            foreach (var socket in sockets)
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }

            var ports = sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port).ToArray();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }
}
