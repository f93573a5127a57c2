using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrleansCheckpoint.Client;

/// <summary>Registers the <see cref="CheckpointClient"/> of an application that hosts its own Orleans client.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="CheckpointClient"/> on the application's <see cref="IClusterClient"/> (configured with
    /// <c>UseOrleansClient</c>: its clustering and ids must match the silos'). Producers come from
    /// <see cref="CheckpointClient.CreateProducer"/>.
    /// </summary>
    public static IServiceCollection AddOrleansCheckpointClient(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new CheckpointClient(sp.GetRequiredService<IClusterClient>()));
        return services;
    }
}
