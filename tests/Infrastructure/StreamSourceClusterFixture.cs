using Azure.Storage.Queues;
using Orleans.Streams;
using OrleansCheckpoint.Runtime.Hosting;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A three-silo cluster of its own with the Azure Queue stream provider <see cref="Provider"/> on Azurite's queue service
/// (a short visibility timeout, so that messages a killed silo had read come back within seconds), the jobs of
/// <see cref="StreamCountJob"/>, and a client that publishes onto the same provider.
/// </summary>
public sealed class StreamSourceClusterFixture : ClusterFixture
{
    public const string Provider = "queue-events";

    protected override short InitialSilos => 3;

    protected override void ConfigureTestSilo(ISiloBuilder silo)
    {
        silo.AddCheckpointAzureQueueStreams(Provider, s =>
        {
            s.VisibilityTimeout = TimeSpan.FromSeconds(4);
            s.MaxDeliveryTime = TimeSpan.FromSeconds(5);
        });
        foreach (var (job, ns) in StreamCountJob.Jobs)
        {
            silo.Services.AddStreamJob(job, () => new StreamCountJob(ns));
        }
    }

    protected override void ConfigureClient(IClientBuilder client)
    {
        client.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        client.AddAzureQueueStreams(Provider, provider =>
        {
            provider.ConfigureAzureQueue(o => o.Configure(q => q.QueueServiceClient = new QueueServiceClient(ConnectionString)));
            provider.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });
    }
}

[CollectionDefinition(Name)]
public sealed class StreamSourceClusterCollection : ICollectionFixture<StreamSourceClusterFixture>
{
    public const string Name = "StreamSourceCluster";
}
