using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansCheckpoint.Http.Hosting;
using OrleansCheckpoint.Jobs;
using OrleansCheckpoint.Runtime.Hosting;

// The OrleansCheckpoint silo: an ASP.NET Core application co-hosting an Orleans silo with the job runtime, the shipped
// jobs, and the HTTP face (REST API, /metrics, health checks, dashboard) on OrleansCheckpoint:Http:Port (8081).
// Configuration: appsettings.json, then environment variables (Silo__GatewayPort, OrleansCheckpoint__Storage__ConnectionString, …),
// then command-line arguments (--Silo:GatewayPort=30001). See README.md, "Configuration".
// A bad setting, storage that does not answer or a port in use stops it at start-up with one line on stderr and exit code 2;
// anything else is a bug and keeps its stack trace.
var builder = WebApplication.CreateBuilder(args);
WebApplication host;
try
{
    host = builder.BuildSilo(ShippedJobs.All);
}
catch (Exception e) when (SiloStartupFailure.Describe(e) is { } problem)
{
    Console.Error.WriteLine($"silo: {problem}");
    return 2;
}

try
{
    await host.StartAsync();
}
catch (Exception e)
{
    var endpoints = host.Services.GetService<IOptions<EndpointOptions>>()?.Value;
    var http = host.Services.GetRequiredService<IOptions<CheckpointHttpOptions>>().Value;

    // Release the ports it bound itself, so that only another process's show as taken.
    await host.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    await host.DisposeAsync();
    if (SiloStartupFailure.Describe(e, endpoints, [($"{CheckpointHttpOptions.SectionName}:Port", http.Port)]) is not { } problem)
        throw;
    Console.Error.WriteLine($"silo: {problem}");
    return 2;
}

await using (host)
{
    await host.WaitForShutdownAsync();
}

return 0;
