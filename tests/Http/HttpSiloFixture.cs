using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Azurite;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Http.Hosting;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;
using Xunit;

namespace OrleansCheckpoint.Tests.Http;

/// <summary>
/// One real silo host as the silo program builds it — Orleans, Azurite storage, and its HTTP face on a real Kestrel on a
/// free loopback port — with API-key and JWT authentication on (reads and /metrics stay anonymous). The request counter
/// is registered under one name per test.
/// </summary>
public sealed class HttpSiloFixture : IAsyncLifetime
{
    public const string ApiKey = "test-api-key-0123456789";
    public static readonly string JwtSigningKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    public const string JwtIssuer = "orleans-checkpoint-tests";

    public static readonly string[] Jobs = ["http-api", "http-ops", "http-fail", "http-auth", "http-stop", "http-browser", "http-savepoints"];

    private AzuriteProcess? _azurite;
    private WebApplication? _silo;

    public HttpClient Http { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public IClusterClient Client => _silo!.Services.GetRequiredService<IClusterClient>();

    /// <summary>The silo's services (its grain storages, …).</summary>
    public IServiceProvider Services => _silo!.Services;

    public string SiloAddress => _silo!.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    public async Task InitializeAsync()
    {
        var storage = AzuriteProcess.ExistingConnectionStringFromEnvironment();
        if (storage is null)
        {
            _azurite = await AzuriteProcess.StartAsync();
            storage = _azurite.ConnectionString;
        }

        var ports = FreeLoopbackPorts(3);
        var run = Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            ["Silo:SiloPort"] = $"{ports[0]}",
            ["Silo:GatewayPort"] = $"{ports[1]}",
            ["Silo:ClusterId"] = $"http-{run}",
            ["Silo:ServiceId"] = $"http-{run}",
            [$"{CheckpointHttpOptions.SectionName}:Port"] = $"{ports[2]}",
            [$"{CheckpointHttpOptions.SectionName}:ApiKeys:0"] = ApiKey,
            [$"{CheckpointHttpOptions.SectionName}:Jwt:SigningKey"] = JwtSigningKey,
            [$"{CheckpointHttpOptions.SectionName}:Jwt:Issuer"] = JwtIssuer,
            [$"{OrleansCheckpointOptions.SectionName}:Storage:ConnectionString"] = storage,
        };
        foreach (var container in new[] { "Jobs", "Ingest", "Output", "Checkpoints" })
        {
            settings[$"{OrleansCheckpointOptions.SectionName}:Storage:{container}Container"] = $"http-{container.ToLowerInvariant()}-{run}";
        }

        _silo = BuildSilo(settings, Jobs.Select(j => KeyValuePair.Create(j, (Func<IStreamJob>)(() => new RequestCounterJob()))));
        await _silo.StartAsync();
        BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_silo is not null)
        {
            await _silo.StopAsync(CancellationToken.None);
            await _silo.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <summary>A request carrying the fixture's API key.</summary>
    public static HttpRequestMessage WithKey(HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = json is null ? null : new StringContent(json, new MediaTypeHeaderValue("application/json")) };
        request.Headers.Add("X-Api-Key", ApiKey);
        return request;
    }

    /// <summary>Starts <paramref name="job"/> (parallelism 2, a checkpoint every 200 ms) and waits until <paramref name="completed"/> checkpoints completed.</summary>
    public async Task<JobInfo> StartWithCheckpointsAsync(string job, int completed)
    {
        var info = await Client.GetGrain<IJobManagerGrain>(job).StartAsync(new JobStartOptions(2, CheckpointOverrides: new CheckpointOverrides { Interval = TimeSpan.FromMilliseconds(200) }));
        await Until(async () => (await Client.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync()).Count(c => c.Status == CheckpointStatus.Completed) >= completed, $"{completed} checkpoints of {job} completed");
        return info;
    }

    /// <summary>Pushes <paramref name="lines"/> to every source partition of <paramref name="job"/>, split evenly; returns how many were accepted.</summary>
    public async Task<long> PushAsync(string job, IReadOnlyList<string> lines)
    {
        var route = await Client.GetGrain<IJobManagerGrain>(job).GetPushRouteAsync();
        var accepted = 0L;
        for (var p = 0; p < route.Parallelism; p++)
        {
            var share = lines.Where((_, i) => i % route.Parallelism == p).ToArray();
            var result = await Client.GetGrain<ISourceGrain>(route.Partition(p).GrainKey).PushAsync(new PushBatch($"http-test-{job}-{p}", 1, 1, share));
            accepted += result.Accepted;
        }

        return accepted;
    }

    public static async Task Until(Func<Task<bool>> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {seconds} s for: {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A silo host as the silo program builds it (quiet), with <paramref name="settings"/> as its whole configuration.</summary>
    internal static WebApplication BuildSilo(Dictionary<string, string?> settings, IEnumerable<KeyValuePair<string, Func<IStreamJob>>> jobs)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Logging.AddFilter(_ => false);
        builder.Configuration.AddInMemoryCollection(settings);
        return builder.BuildSilo(jobs);
    }

    internal static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

/// <summary>The HTTP tests share one <see cref="HttpSiloFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class HttpSiloCollection : ICollectionFixture<HttpSiloFixture>
{
    public const string Name = "HttpSilo";
}
