using Microsoft.Extensions.Hosting;
using OrleansCheckpoint.Runtime.Hosting;
using Sessionization;

// A silo of your own: Orleans configured from the Silo and OrleansCheckpoint sections (environment variables
// Silo__GatewayPort, OrleansCheckpoint__Storage__ConnectionString, … or --Silo:GatewayPort=…), running your job.
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.UseCheckpointSilo(builder.Configuration));
builder.Services.AddStreamJob<SessionizationJob>("sessions");
await builder.Build().RunAsync();
