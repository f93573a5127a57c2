using Microsoft.Extensions.Hosting;
using OrleansCheckpoint.Jobs;
using OrleansCheckpoint.Runtime.Hosting;

// The OrleansCheckpoint silo: an Orleans silo with the job runtime and the shipped jobs.
// Configuration: appsettings.json, then environment variables (Silo__GatewayPort, OrleansCheckpoint__Storage__ConnectionString, …),
// then command-line arguments (--Silo:GatewayPort=30001). See README.md, "Configuration".
var builder = Host.CreateApplicationBuilder(args);
try
{
    builder.UseOrleans(silo => silo.UseCheckpointSilo(builder.Configuration));
    foreach (var (name, create) in ShippedJobs.All)
    {
        builder.Services.AddStreamJob(name, create);
    }

    using var host = builder.Build();
    await host.RunAsync();
    return 0;
}
catch (Exception e) when (e is ArgumentException or Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException)
{
    // Bad configuration or unreachable storage: one clear message, no stack trace.
    Console.Error.WriteLine($"silo: {e.Message}");
    return 2;
}
