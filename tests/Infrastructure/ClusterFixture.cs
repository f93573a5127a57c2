using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansCheckpoint.Azurite;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Tests.Cluster;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A real two-silo Orleans cluster (in-process) whose job state lives in Azurite, with the jobs the cluster
/// tests use. Grains are placed at random, so channels cross silos and every message type is serialized.
/// Each test uses its own job name, so tests do not see each other's state.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    /// <summary>Names under which the request counter job is registered, one per test that needs a fresh job.</summary>
    public static readonly string[] RequestCounterNames =
        ["rc-oracle", "rc-late", "rc-bad-input", "rc-stopped", "rc-restart", "rc-oversized", "rc-parallel-3",
         "chk-flow", "chk-cut", "chk-timeout", "chk-alo", "chk-slow", "chk-fail", "chk-settings",
         "fail-dead-silo", "fail-kill-upload", "fail-kill-commit", "fail-kill-coordinator", "fail-snapshot-write",
         "fail-ingest-write", "fail-ingest-lost-answer", "fail-exhausted", "fail-corrupt", "fail-kill-all-hosts", "cli",
         "fail-snapshot-failover", "fail-stop-backoff",
         "request-counter", "cli-file", "cli-repush", "cli-stdin", "cli-results", "cli-restart", "rc-bytes",
         "chk-off", "chk-reactivate", "chk-persist-fail", "chk-lost-answer",
         "ingest-truncate", "fence-stale", "channel-fail", "channel-timeout",
         .. TestSeeds.JobNames("fail-deactivate", "fail-kill")];

    private AzuriteProcess? _azurite;

    /// <summary>The number of silos the cluster starts with.</summary>
    protected virtual short InitialSilos => 2;

    /// <summary>Settings a fixture of its own adds to every silo.</summary>
    protected virtual void ConfigureTestSilo(ISiloBuilder silo)
    {
    }

    /// <summary>Configures the cluster's client further.</summary>
    protected virtual void ConfigureClient(IClientBuilder client)
    {
    }

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public string ConnectionString { get; private set; } = string.Empty;

    public string JobsContainer { get; private set; } = string.Empty;

    public string CheckpointsContainer { get; private set; } = string.Empty;

    public string OutputContainer { get; private set; } = string.Empty;

    public string IngestContainer { get; private set; } = string.Empty;

    /// <summary>The part files a file sink committed under <paramref name="prefix"/>, with their lines.</summary>
    public async Task<Dictionary<string, string[]>> OutputFilesAsync(string prefix)
    {
        var container = new BlobServiceClient(ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06)).GetBlobContainerClient(OutputContainer);
        var files = new Dictionary<string, string[]>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            var content = (await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString();
            files[blob.Name] = content.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        return files;
    }

    /// <summary>The silo <paramref name="grain"/> is active on.</summary>
    public async Task<SiloAddress> SiloOfAsync(IAddressable grain) =>
        await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain) ?? throw new InvalidOperationException($"{grain} is not active");

    /// <summary>The silos that host instances of <paramref name="job"/>.</summary>
    public async Task<HashSet<SiloAddress>> HostsOfAsync(JobInfo job)
    {
        var management = Client.GetGrain<IManagementGrain>(0);
        var hosts = new HashSet<SiloAddress>();
        foreach (var task in job.Operators.SelectMany(o => Enumerable.Range(0, o.Parallelism).Select(p => new TaskId(job.Name, o.Uid, p))))
        {
            if (await management.GetActivationAddress(Client.GetGrain<Grains.IOperatorGrain>(task.GrainKey)) is { } address)
            {
                hosts.Add(address);
            }
        }

        return hosts;
    }

    /// <summary>Kills <paramref name="silo"/> abruptly.</summary>
    public Task KillSiloAsync(SiloAddress silo) => Cluster.KillSiloAsync(Cluster.Silos.Single(s => s.SiloAddress.Equals(silo)));

    /// <summary>
    /// Kills a silo that hosts an instance of <paramref name="job"/> (rather not the first silo, the client's first
    /// gateway; never one of <paramref name="spare"/>), then adds a fresh silo. Returns the silo killed.
    /// </summary>
    public async Task<SiloAddress> KillSiloHostingAsync(JobInfo job, params SiloAddress[] spare)
    {
        var hosts = await HostsOfAsync(job);
        hosts.ExceptWith(spare);
        var victim = Cluster.Silos.Skip(1).FirstOrDefault(s => hosts.Contains(s.SiloAddress)) ?? Cluster.Silos.First(s => hosts.Contains(s.SiloAddress));
        await Cluster.KillSiloAsync(victim);
        await Cluster.StartAdditionalSiloAsync();
        return victim.SiloAddress;
    }

    /// <summary>Replaces the grain storage registered under <paramref name="name"/> by a decorator of it.</summary>
    private static void DecorateGrainStorage(IServiceCollection services, string name, Func<IGrainStorage, IGrainStorage> decorate)
    {
        var original = services.Last(d => d.IsKeyedService && Equals(d.ServiceKey, name) && d.ServiceType == typeof(IGrainStorage));
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => decorate((IGrainStorage)original.KeyedImplementationFactory!(sp, key)));
    }

    /// <summary>The names of the blobs in the checkpoints container.</summary>
    public async Task<List<string>> CheckpointBlobsAsync()
    {
        var container = new BlobServiceClient(ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06)).GetBlobContainerClient(CheckpointsContainer);
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>A service of the first silo (e.g. the snapshot store).</summary>
    public T SiloService<T>()
        where T : notnull => Cluster.Silos[0].ServiceProvider.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        ConnectionString = AzuriteProcess.ExistingConnectionStringFromEnvironment() ?? (_azurite = await AzuriteProcess.StartAsync()).ConnectionString;
        var run = Guid.NewGuid().ToString("N")[..12];
        JobsContainer = $"test-jobs-{run}";
        CheckpointsContainer = $"test-chk-{run}";
        OutputContainer = $"test-out-{run}";
        IngestContainer = $"test-ingest-{run}";
        var builder = new InProcessTestClusterBuilder(InitialSilos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOrleansCheckpoint(o =>
            {
                o.Storage.ConnectionString = ConnectionString;
                o.Storage.JobsContainer = JobsContainer;
                o.Storage.CheckpointsContainer = CheckpointsContainer;
                o.Storage.OutputContainer = OutputContainer;
                o.Storage.IngestContainer = IngestContainer; // every container per run: CI shares one Azurite between fixtures
                o.Storage.CheckpointProvider = FaultInjectingGrainStorage.Name;
                o.Checkpointing = o.Checkpointing with { Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(5) };
                o.Restart.Delay = TimeSpan.FromMilliseconds(200);
                o.Restart.MaxAttempts = 4;
                o.SupervisionReminderPeriod = TimeSpan.FromSeconds(2); // a job whose every silo died resumes within seconds
                o.BatchSize = 64; // small batches: many channel hops per test
                o.Ingest.MaxBatchEvents = 2_000;
                o.Ingest.MaxBatchBytes = 1 << 20; // far above what the tests' batches of requests carry
            });
            silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
            silo.Services.AddKeyedSingleton<IGrainStorage>(
                FaultInjectingGrainStorage.Name,
                (sp, _) => new FaultInjectingGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(CheckpointSiloBuilderExtensions.CheckpointStorageName)));
            DecorateGrainStorage(silo.Services, CheckpointSiloBuilderExtensions.JobStorageName, inner => new FaultInjectingGrainStorage(inner));
            silo.Services.AddSingleton(FaultInjectingSegmentStore.Interceptor);
            silo.AddIncomingGrainCallFilter<FaultInjectingDeliveries.Filter>();
            var outputFiles = silo.Services.Last(d => d.ServiceType == typeof(Runtime.Sinks.IOutputFiles));
            silo.Services.Remove(outputFiles);
            silo.Services.AddSingleton<Runtime.Sinks.IOutputFiles>(sp => new FaultInjectingOutputFiles((Runtime.Sinks.IOutputFiles)outputFiles.ImplementationFactory!(sp)));
            foreach (var name in RequestCounterNames)
            {
                silo.Services.AddStreamJob(name, () => new RequestCounterJob());
            }

            silo.Services.AddStreamJob(GatedJob.Name, () => new GatedJob());
            silo.Services.AddStreamJob(StallingJob.Name, () => new StallingJob());
            silo.Services.AddStreamJob(StallingJob.AtLeastOnceName, () => new StallingJob());
            silo.Services.AddStreamJob(StallingJob.WithTableName, () => new StallingJob(withTable: true));
            silo.Services.AddStreamJob(GeneratedCountJob.Exact, () => new GeneratedCountJob(GeneratedCountJob.ExactCount));
            silo.Services.AddStreamJob(GeneratedCountJob.Tiny, () => new GeneratedCountJob(1));
            silo.Services.AddStreamJob(GeneratedCountJob.Slow, () => new GeneratedCountJob(GeneratedCountJob.SlowCount, slow: true));
            foreach (var (name, create) in Nexmark.NexmarkQueryTests.Jobs) silo.Services.AddStreamJob(name, create);
            silo.Services.AddStreamJob(FileOutputJob.Name, () => new FileOutputJob());
            silo.Services.AddStreamJob(FileOutputJob.KillBeforeCommitName, () => new FileOutputJob());
            silo.Services.AddStreamJob(WideResultsJob.Name, () => new WideResultsJob());
            silo.Services.AddStreamJob(RollingSumJob.Name, () => new RollingSumJob());
            ConfigureTestSilo(silo);
        });
        builder.ConfigureClient(client =>
        {
            client.AddMemoryStreams(ResultsStream.ProviderName);
            ConfigureClient(client);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}

/// <summary>A three-silo cluster of its own for the tests that kill silos.</summary>
public sealed class FailureClusterFixture : ClusterFixture
{
    protected override short InitialSilos => 3;

    // A call in flight to a silo that is killed gets no answer: the client gives up on it after its response
    // timeout (30 s by default) and then retries. A shorter one keeps the tests that kill silos short.
    protected override void ConfigureClient(IClientBuilder client) =>
        client.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
}

[CollectionDefinition(Name)]
public sealed class FailureClusterCollection : ICollectionFixture<FailureClusterFixture>
{
    public const string Name = "FailureCluster";
}

/// <summary>A three-silo cluster whose membership no other test disturbs (for the test of membership-driven recovery).</summary>
public sealed class MembershipClusterFixture : ClusterFixture
{
    protected override short InitialSilos => 3;
}

[CollectionDefinition(Name)]
public sealed class MembershipClusterCollection : ICollectionFixture<MembershipClusterFixture>
{
    public const string Name = "MembershipCluster";
}

/// <summary>
/// A test job whose keyed operator can be held shut: while <see cref="Gate"/> is reset, the operator's
/// instance blocks on its first record, so nothing downstream of the source drains (a stalled consumer).
/// </summary>
public sealed class GatedJob : IStreamJob
{
    public const string Name = "gated";

    public static readonly ManualResetEventSlim Gate = new(initialState: true);

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .KeyBy(n => n % 4)
            .Process("gated-count", () => new GatedCount());

    private sealed class GatedCount : KeyedProcessFunction<long, long, long>
    {
        public override void ProcessElement(long value, IKeyedContext<long> context, ICollector<long> output)
        {
            Gate.Wait(TimeSpan.FromSeconds(60));
            var count = context.GetValueState<long>("count");
            count.Update(count.Value + 1);
        }
    }
}

/// <summary>
/// A test job whose source partitions stall on a negative number until <see cref="Stall"/> is set, so one
/// input channel of the keyed operator can be made slow on demand. State: a count per key (n mod 4); registered
/// as <see cref="WithTableName"/>, it also commits the counts to a result table, and stalls on
/// <see cref="TableStall"/> instead (the two run in clusters whose tests run in parallel).
/// </summary>
public sealed class StallingJob(bool withTable = false) : IStreamJob
{
    public const string Name = "stalling";

    /// <summary>The same job under another name, for the at-least-once variant of a test (a job of its own).</summary>
    public const string AtLeastOnceName = "stalling-at-least-once";
    public const string WithTableName = "stalling-table";

    public static readonly ManualResetEventSlim Stall = new(initialState: true);

    /// <summary>Set while an instance is stalled on a negative number (the stalled push's answer waits behind it).</summary>
    public static readonly ManualResetEventSlim Stalled = new(initialState: false);

    /// <summary>What <see cref="Stall"/> is to the job registered as <see cref="WithTableName"/>.</summary>
    public static readonly ManualResetEventSlim TableStall = new(initialState: true);

    /// <summary>What <see cref="Stalled"/> is to the job registered as <see cref="WithTableName"/>.</summary>
    public static readonly ManualResetEventSlim TableStalled = new(initialState: false);

    public void Build(JobBuilder job)
    {
        var (stall, stalled) = withTable ? (TableStall, TableStalled) : (Stall, Stalled);
        var counts = job.Source("numbers", long.Parse)
            .Map("stall-on-negative", n =>
            {
                if (n < 0 && !stall.IsSet)
                {
                    stalled.Set();
                    stall.Wait(TimeSpan.FromSeconds(60));
                    stalled.Reset();
                }

                return n;
            })
            .KeyBy(n => n % 4)
            .Count("counts", queryable: true);
        if (withTable)
        {
            counts.ToResultTable("count-table");
        }
    }
}

/// <summary>A test job that writes every number it receives, doubled, to part files.</summary>
public sealed class FileOutputJob : IStreamJob
{
    public const string Name = "file-output";

    /// <summary>The same job under another name, for a second test on the same cluster.</summary>
    public const string KillBeforeCommitName = "file-output-kill";

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .Map("double", n => n * 2)
            .ToFiles("parts");
}

/// <summary>A test job whose results are large: each number becomes a 300-character string on the results stream.</summary>
public sealed class WideResultsJob : IStreamJob
{
    public const string Name = "wide-results";

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .Map("widen", n => $"{n:D10}{new string('x', 290)}")
            .ToResultsStream("wide");
}

/// <summary>A test job with a rolling keyed reduce: the running sum of the numbers per last digit, queryable.</summary>
public sealed class RollingSumJob : IStreamJob
{
    public const string Name = "rolling-sum";

    public void Build(JobBuilder job) =>
        job.Source("numbers", long.Parse)
            .KeyBy(n => n % 10)
            .Reduce("sums", (a, b) => a + b, queryable: true);
}
