using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansCheckpoint.Azurite;
using OrleansCheckpoint.Grains;
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
         "fail-snapshot-failover", "fail-stop-backoff", "fail-drain-backoff",
         "request-counter", "cli-file", "cli-repush", "cli-stdin", "cli-results", "cli-restart", "rc-bytes",
         "chk-off", "chk-reactivate", "chk-persist-fail", "chk-lost-answer", "chk-lost-completion", "chk-orphan",
         "ingest-truncate", "fence-stale", "fence-deploy", "fence-newer", "channel-fail", "channel-timeout", "drain-lost-report",
         Tests.Cluster.VerifiedRestoreTests.FallbackJob, Tests.Cluster.VerifiedRestoreTests.UnreadableJob,
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

    /// <summary>Where the file-source tests put the files their jobs read.</summary>
    public string FilesContainer { get; private set; } = string.Empty;

    /// <summary>
    /// Deactivates the operator instances <paramref name="instances"/> (grain keys <c>job/operator/partition</c>) of
    /// <paramref name="driver"/>'s job and waits until the job has recovered: running again after a restart.
    /// </summary>
    public async Task<JobInfo> LoseInstancesAsync(JobDriver driver, params string[] instances)
    {
        foreach (var instance in instances)
        {
            await Cluster.DeactivateAsync(Client.GetGrain<IOperatorInstanceGrain>(instance));
        }

        return await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
    }

    /// <summary>The part files a file sink committed under <paramref name="prefix"/>, with their lines.</summary>
    public async Task<Dictionary<string, string[]>> OutputFilesAsync(string prefix)
    {
        var container = Container(OutputContainer);
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

    /// <summary>One of this run's blob containers (<see cref="CheckpointsContainer"/>, <see cref="IngestContainer"/>, …) on Azurite.</summary>
    public BlobContainerClient Container(string name) =>
        new BlobServiceClient(ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06)).GetBlobContainerClient(name);

    /// <summary>The names of the blobs in the checkpoints container.</summary>
    public async Task<List<string>> CheckpointBlobsAsync()
    {
        var names = new List<string>();
        await foreach (var blob in Container(CheckpointsContainer).GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>The blob of the snapshot that instance <paramref name="taskKey"/> of <paramref name="job"/> wrote for <paramref name="checkpointId"/>.</summary>
    public async Task<BlobClient> SnapshotBlobAsync(string job, string taskKey, long checkpointId, string? stateName = null)
    {
        var state = stateName ?? Runtime.Checkpointing.SnapshotStore.SnapshotStateName(checkpointId);
        var name = Assert.Single(
            await CheckpointBlobsAsync(),
            b => b.Contains(job, StringComparison.Ordinal) && b.Contains($"/{taskKey}.", StringComparison.Ordinal) && b.Contains(state, StringComparison.Ordinal));
        return Container(CheckpointsContainer).GetBlobClient(name);
    }

    /// <summary>
    /// Flips one byte of a snapshot's payload (behind the 24-byte header): the blob still parses, but the payload no
    /// longer matches its checksum.
    /// </summary>
    public async Task CorruptSnapshotAsync(string job, string taskKey, long checkpointId)
    {
        var blob = await SnapshotBlobAsync(job, taskKey, checkpointId);
        var content = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.True(content.AsSpan().StartsWith("OCSNAP1\n"u8) || content.AsSpan().StartsWith("OCINDX1\n"u8), "a snapshot (or index) blob starts with its header");
        content[24 + 10] ^= 0xFF;
        await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true);
    }

    /// <summary>Waits, without calling the job manager itself, until it is active on a silo other than <paramref name="dead"/>.</summary>
    public Task ReactivatedElsewhereAsync(JobDriver driver, IReadOnlyCollection<SiloAddress> dead) =>
        Eventually.TrueAsync(
            async () => await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(driver.Manager) is { } silo && !dead.Contains(silo),
            "the job manager to be reactivated on a live silo", TimeSpan.FromSeconds(60));

    /// <summary>
    /// Deactivates the job manager until it is reactivated (placed at random) on a silo for which
    /// <paramref name="placed"/> holds, given the silos hosting the job's instances; returns that silo.
    /// </summary>
    public async Task<SiloAddress> MoveManagerUntilAsync(JobDriver driver, Func<SiloAddress, HashSet<SiloAddress>, bool> placed)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var info = await driver.Manager.GetInfoAsync();
            var silo = await SiloOfAsync(driver.Manager);
            if (placed(silo, await HostsOfAsync(info)))
            {
                if (attempt > 0)
                {
                    // A new activation looks up its instances' silos and starts following membership on its first
                    // supervision tick (within 100 ms); a silo killed before then is noticed by the heartbeat instead.
                    await Task.Delay(500);
                }

                return silo;
            }

            await Cluster.DeactivateAsync(driver.Manager);
            try
            {
                await Eventually.TrueAsync(async () => await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(driver.Manager) is null, "the job manager to deactivate", TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                // not deactivated (yet): ask again
            }
        }

        throw new InvalidOperationException("the job manager was never placed as wanted");
    }

    /// <summary>The job as <c>client jobs --json</c> shows it.</summary>
    public async Task<System.Text.Json.JsonElement> JobJsonAsync(string job)
    {
        var run = await OrleansCheckpoint.Tests.Client.ClientCommandLineRun.RunAsync(Client, "jobs", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        return System.Text.Json.JsonDocument.Parse(run.Json).RootElement.EnumerateArray().Single(j => j.GetProperty("name").GetString() == job).Clone();
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
        FilesContainer = $"test-files-{run}";
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
            CheckpointSiloBuilderExtensions.DecorateGrainStorage(silo.Services, CheckpointSiloBuilderExtensions.JobStorageName, inner => new FaultInjectingGrainStorage(inner));
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
            silo.Services.AddStreamJob(FileOutputJob.DrainFailureName, () => new FileOutputJob());
            silo.Services.AddStreamJob(FileOutputJob.TriggerOrderName, () => new FileOutputJob());
            silo.Services.AddStreamJob(CsvOutputJob.Name, () => new CsvOutputJob());
            silo.Services.AddStreamJob(WideResultsJob.Name, () => new WideResultsJob());
            silo.Services.AddStreamJob(RollingSumJob.Name, () => new RollingSumJob());
            foreach (var name in WideStateJob.Names) silo.Services.AddStreamJob(name, () => new WideStateJob());
            silo.Services.AddStreamJob(GeneratedFilesJob.Name, () => new GeneratedFilesJob());
            silo.Services.AddStreamJob(LateClicksJob.Duplicates, () => new LateClicksJob());
            silo.Services.AddStreamJob(LateClicksJob.IdlePartition, () => new LateClicksJob());
            foreach (var name in Tests.Client.EventProducerTests.Jobs) silo.Services.AddStreamJob(name, () => new LateClicksJob());
            silo.Services.AddStreamJob(LedgerJob.Name, () => new LedgerJob());
            foreach (var name in UpgradableClicksJob.Names) silo.Services.AddStreamJob(name, () => new UpgradableClicksJob(name));
            silo.Services.AddStreamJob(ChainedSourceJob.Name, () => new ChainedSourceJob());
            silo.Services.AddStreamJob(UnionClicksJob.Name, () => new UnionClicksJob());
            silo.Services.AddStreamJob(Tests.Cluster.SessionClicksJob.Name, () => new Tests.Cluster.SessionClicksJob());
            silo.Services.AddStreamJob(Tests.Cluster.TradeJoinsJob.Name, () => new Tests.Cluster.TradeJoinsJob());
            silo.Services.AddStreamJob(Tests.Cluster.LimitAlertsJob.Name, () => new Tests.Cluster.LimitAlertsJob());
            silo.Services.AddStreamJob(Tests.Cluster.LimitAlertsJob.Rescaled, () => new Tests.Cluster.LimitAlertsJob());
            silo.Services.AddStreamJob(Tests.Cluster.LateSideOutputJob.Name, () => new Tests.Cluster.LateSideOutputJob());
            silo.Services.AddStreamJob(Tests.Cluster.LateSideOutputJob.FailureName, () => new Tests.Cluster.LateSideOutputJob());
            silo.Services.AddStreamJob(Tests.Cluster.LateSessionsJob.Name, () => new Tests.Cluster.LateSessionsJob());
            silo.Services.AddStreamJob(ProcessingTimeTotalsJob.Name, () => new ProcessingTimeTotalsJob());
            silo.Services.AddStreamJob(ProcessingTimeTotalsJob.WholeName, () => new ProcessingTimeTotalsJob());
            silo.Services.AddStreamJob(LedgerJob.StrictName, () => new LedgerJob());
            Sources.FileClicksJob.Register(silo.Services, () => FilesContainer);
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
