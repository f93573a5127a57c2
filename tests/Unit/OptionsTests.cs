using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansCheckpoint.Runtime.Hosting;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class OptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new OrleansCheckpointOptionsValidator().Validate(null, new OrleansCheckpointOptions()).Succeeded);
    }

    [Theory]
    [InlineData("OrleansCheckpoint:Storage:ConnectionString", "not a connection string", "Storage:ConnectionString")]
    [InlineData("OrleansCheckpoint:Storage:ConnectionString", "", "Storage:ConnectionString")]
    [InlineData("OrleansCheckpoint:DefaultParallelism", "0", "DefaultParallelism")]
    [InlineData("OrleansCheckpoint:MaxParallelism", "4", "DefaultParallelism")] // default parallelism 2 ≤ 4 is fine, so make it fail below
    [InlineData("OrleansCheckpoint:BatchSize", "100000", "BatchSize")]
    [InlineData("OrleansCheckpoint:ChannelCapacity", "0", "ChannelCapacity")]
    [InlineData("OrleansCheckpoint:Ingest:MaxBatchEvents", "-1", "Ingest:MaxBatchEvents")]
    [InlineData("OrleansCheckpoint:Ingest:MaxPendingBytes", "1000", "Ingest:MaxPendingBytes = '1000' is not valid: it must be at least Ingest:MaxBatchBytes")]
    public void An_invalid_setting_is_refused_before_the_silo_starts_with_a_message_naming_it(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.EndsWith("MaxParallelism", StringComparison.Ordinal))
        {
            settings["OrleansCheckpoint:DefaultParallelism"] = "5";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var error = Assert.Throws<OptionsValidationException>(() => new TestSiloBuilder().AddOrleansCheckpoint(configuration));

        Assert.Contains($"OrleansCheckpoint:{named}", error.Message);
    }

    [Theory]
    [InlineData("Interval", "00:00:00", "must be at least 10 ms (got 0 ms)")]
    [InlineData("Timeout", "00:00:00.5", "must be at least the interval, 1000 ms (got 500 ms)")]
    [InlineData("MinPause", "-00:00:01", "must not be negative (got -1000 ms)")]
    [InlineData("MaxConcurrent", "0", "must be at least 1 (got 0)")]
    [InlineData("TolerableFailures", "-1", "must not be negative (got -1)")]
    [InlineData("Retained", "0", "must be at least 1")]
    [InlineData("Mode", "7", "must be ExactlyOnce (exactly-once) or AtLeastOnce (at-least-once) (got 7)")]
    [InlineData("Mode", "Twice", "'Twice'")] // not a name of the enum: the configuration binder refuses it, naming the key
    public void An_invalid_checkpoint_setting_is_refused_before_the_silo_starts_naming_its_full_key(string setting, string value, string message)
    {
        var key = $"OrleansCheckpoint:Checkpointing:{setting}";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var error = Assert.ThrowsAny<Exception>(() => new TestSiloBuilder().AddOrleansCheckpoint(configuration));

        Assert.True(error is OptionsValidationException or InvalidOperationException, error.ToString());
        var failure = Assert.Single(error is OptionsValidationException validation ? validation.Failures : [error.Message]);
        Assert.Contains(key, failure);
        Assert.Contains(message, failure);
    }

    [Fact]
    public void Checkpoint_settings_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansCheckpoint:Checkpointing:Interval"] = "00:00:02",
            ["OrleansCheckpoint:Checkpointing:Mode"] = "AtLeastOnce",
            ["OrleansCheckpoint:Checkpointing:Retained"] = "5",
            ["OrleansCheckpoint:Checkpointing:Incremental"] = "false",
            ["OrleansCheckpoint:Checkpointing:ConsolidateAfter"] = "4",
        }).Build();
        var silo = new TestSiloBuilder();
        silo.AddOrleansCheckpoint(configuration);

        var options = silo.Services.BuildServiceProvider().GetRequiredService<IOptions<OrleansCheckpointOptions>>();

        Assert.Equal(TimeSpan.FromSeconds(2), options.Value.Checkpointing.Interval);
        Assert.Equal(Messages.CheckpointMode.AtLeastOnce, options.Value.Checkpointing.Mode);
        Assert.Equal(5, options.Value.Checkpointing.Retained);
        Assert.False(options.Value.Checkpointing.Incremental);
        Assert.Equal(4, options.Value.Checkpointing.ConsolidateAfter);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Value.Checkpointing.Timeout); // unset: the default
    }

    [Theory]
    [InlineData("Silo:GatewayPort", "70000", "Silo:GatewayPort = 70000 is not a valid port")]
    [InlineData("Silo:SiloPort", "30000", "they must differ")]
    [InlineData("Silo:Clustering", "Zookeeper", "Silo:Clustering")]
    [InlineData("Silo:AdvertisedIPAddress", "here", "Silo:AdvertisedIPAddress = 'here' is not an IP address")]
    public void An_invalid_silo_setting_is_refused_naming_it(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var error = Assert.ThrowsAny<Exception>(() => SiloSettings.From(configuration));

        Assert.Contains(message, error.Message);
    }

    private sealed class TestSiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public IConfiguration Configuration { get; } = new ConfigurationBuilder().Build();
    }
}
