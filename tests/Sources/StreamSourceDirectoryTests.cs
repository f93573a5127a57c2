using Microsoft.Extensions.DependencyInjection;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.JobManagement;
using OrleansCheckpoint.Runtime.Sources.OrleansStreams;
using Xunit;

namespace OrleansCheckpoint.Tests.Sources;

public sealed class StreamSourceDirectoryTests
{
    [Fact]
    public void The_sources_that_read_streams_are_found_in_the_registered_jobs_and_subscribe_the_consumer_to_their_namespaces_only()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new JobRegistration("a", _ => new StreamJob("clicks")));
        services.AddSingleton(new JobRegistration("b", _ => new StreamJob("clicks")));
        services.AddSingleton(new JobRegistration("c", _ => new StreamJob("orders")));
        services.AddSingleton(new JobRegistration("pushed", _ => new PushedJob()));
        services.AddSingleton(new JobRegistration("broken", _ => throw new NotSupportedException("cannot be built")));
        services.AddSingleton<JobRegistry>();
        services.AddSingleton<StreamSourceDirectory>();
        var provider = services.BuildServiceProvider();
        var directory = provider.GetRequiredService<StreamSourceDirectory>();

        Assert.Equal(["clicks", "orders"], directory.Namespaces);
        Assert.Equal(["a", "b"], directory.RoutesOf("queues", "clicks").Select(r => r.Job));
        Assert.Empty(directory.RoutesOf("other-provider", "clicks"));
        Assert.Equal("source", Assert.Single(directory.RoutesOf("queues", "orders")).SourceUid);

        var bindings = new JobStreamSubscriptionsAttribute().GetBindings(provider, typeof(StreamSourceConsumerGrain), GrainType.Create("consumer")).ToList();
        Assert.Equal(["namespace:clicks", "namespace:orders"], bindings.Select(b => b[Orleans.Metadata.WellKnownGrainTypeProperties.StreamBindingPatternKey]));
    }

    private sealed class StreamJob(string ns) : IStreamJob
    {
        public void Build(JobBuilder job) => job.FromOrleansStream("source", "queues", ns, l => l).Map("copy", l => l);
    }

    private sealed class PushedJob : IStreamJob
    {
        public void Build(JobBuilder job) => job.Source("source", l => l).Map("copy", l => l);
    }
}
