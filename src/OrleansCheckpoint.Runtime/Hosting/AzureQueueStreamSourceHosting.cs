using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>Adds Azure Queue stream providers for jobs to read (<c>JobBuilder.FromOrleansStream</c>).</summary>
public static class AzureQueueStreamSourceHosting
{
    /// <summary>The configuration section whose children name Azure Queue stream providers: <c>OrleansCheckpoint:AzureQueueStreams</c>.</summary>
    public const string SectionName = $"{OrleansCheckpointOptions.SectionName}:AzureQueueStreams";

    /// <summary>
    /// Adds the Azure Queue stream provider <paramref name="name"/> on the silo's storage account (or the one
    /// <see cref="AzureQueueStreamSettings.ConnectionString"/> names), with implicit subscriptions only: every stream of a
    /// namespace that a registered job reads is delivered to the job's source, which logs each event in its ingest log
    /// before the provider deletes the message. Producers (clients or grains) add the same provider under the same name
    /// and service id (Orleans' <c>AddAzureQueueStreams</c>), so that both sides use the same queues, and publish
    /// <see cref="Messages.StreamSourceEvent"/>s. Invalid settings throw <see cref="ArgumentException"/> naming the setting.
    /// </summary>
    public static ISiloBuilder AddCheckpointAzureQueueStreams(this ISiloBuilder silo, string name, Action<AzureQueueStreamSettings>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var settings = new AzureQueueStreamSettings();
        configure?.Invoke(settings);
        settings.Validate(name);
        return silo.AddAzureQueueStreams(name, provider =>
        {
            provider.ConfigureAzureQueue(options => options.Configure<IOptions<OrleansCheckpointOptions>>((queue, runtime) =>
            {
                queue.QueueServiceClient = new QueueServiceClient(settings.ConnectionString ?? runtime.Value.Storage.ConnectionString);
                queue.MessageVisibilityTimeout = settings.VisibilityTimeout;
            }));
            provider.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            provider.ConfigurePullingAgent(options => options.Configure(agent =>
            {
                agent.MaxEventDeliveryTime = settings.MaxDeliveryTime;
                agent.GetQueueMsgsTimerPeriod = settings.PollPeriod;
            }));
        });
    }

    /// <summary>Adds an Azure Queue stream provider for each child of <see cref="SectionName"/> in <paramref name="configuration"/>, named by its key.</summary>
    public static ISiloBuilder AddCheckpointAzureQueueStreams(this ISiloBuilder silo, IConfiguration configuration)
    {
        foreach (var provider in configuration.GetSection(SectionName).GetChildren())
        {
            silo.AddCheckpointAzureQueueStreams(provider.Key, settings => provider.Bind(settings));
        }

        return silo;
    }
}
