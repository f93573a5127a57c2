using Microsoft.Extensions.DependencyInjection;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Runtime.JobManagement;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>Jobs are created from the silo's services: a job's constructor takes what the host registered.</summary>
public sealed class JobRegistrationTests
{
    /// <summary>A lookup table a host registers.</summary>
    public sealed class Labels(string prefix)
    {
        public string Of(long n) => $"{prefix}{n}";
    }

    /// <summary>A job that labels numbers with the host's <see cref="Labels"/>.</summary>
    public sealed class LabellingJob(Labels labels) : IStreamJob
    {
        public Labels Labels { get; } = labels;

        public void Build(JobBuilder job) => job.Source("numbers", long.Parse).Map("label", Labels.Of).ToFiles("parts");
    }

    [Fact]
    public void A_job_registered_by_type_receives_the_services_of_the_silo()
    {
        var labels = new Labels("n-");
        var services = new ServiceCollection().AddSingleton(labels);
        services.AddStreamJob<LabellingJob>("labelled");
        services.AddSingleton<JobRegistry>();
        using var provider = services.BuildServiceProvider();

        var graph = provider.GetRequiredService<JobRegistry>().GraphOf("labelled");

        Assert.Equal(["numbers", "label", "parts"], graph.Transformations.Select(t => t.Uid));
        var registration = provider.GetRequiredService<JobRegistration>();
        Assert.Same(labels, ((LabellingJob)registration.Create(provider)).Labels);
    }

    [Fact]
    public void A_job_whose_service_is_not_registered_fails_naming_the_service()
    {
        var services = new ServiceCollection();
        services.AddStreamJob<LabellingJob>("labelled");
        services.AddSingleton<JobRegistry>();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidJobGraphException>(() => provider.GetRequiredService<JobRegistry>().GraphOf("labelled"));

        Assert.StartsWith("Job 'labelled' cannot be created from the silo's services: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Labels).FullName!, error.Message, StringComparison.Ordinal);
    }
}
