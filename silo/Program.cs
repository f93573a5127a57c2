using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansCheckpoint.Jobs;
using OrleansCheckpoint.Runtime.Hosting;

// The OrleansCheckpoint silo: an Orleans silo with the job runtime and the shipped jobs.
// Configuration: appsettings.json, then environment variables (Silo__GatewayPort, OrleansCheckpoint__Storage__ConnectionString, …),
// then command-line arguments (--Silo:GatewayPort=30001). See README.md, "Configuration".
// A bad setting, storage that does not answer or a port in use stops it at start-up with one line on stderr and exit code 2;
// anything else is a bug and keeps its stack trace.
var builder = Host.CreateApplicationBuilder(args);
IHost host;
try
{
    builder.UseOrleans(silo => silo.UseCheckpointSilo(builder.Configuration));
    foreach (var (name, create) in ShippedJobs.All)
    {
        builder.Services.AddStreamJob(name, create);
    }

    host = builder.Build();
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
    // Release the ports it bound itself, so that only another process's show as taken.
    await host.StopAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    host.Dispose();
    if (SiloStartupFailure.Describe(e, endpoints) is not { } problem)
        throw;
    Console.Error.WriteLine($"silo: {problem}");
    return 2;
}

using (host)
{
    await host.WaitForShutdownAsync();
}

return 0;
