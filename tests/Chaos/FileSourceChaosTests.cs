using System.Text;
using Azure.Storage.Blobs;
using OrleansCheckpoint.Cli.Chaos;
using OrleansCheckpoint.Cli.Connection;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.Verification;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace OrleansCheckpoint.Tests.Chaos;

/// <summary>
/// The file source against real silo processes on Azure Table membership: <see cref="VerificationFilesJob"/> reads click
/// files from the input container, the silo of a source instance is SIGKILLed while it reads, and what the job committed
/// equals what the clicks in the files alone give (no late clicks: every window and bucket exact).
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class FileSourceChaosTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Files = 12;
    private const int ClicksPerFile = 20_000;

    [Fact]
    public async Task Sigkilling_the_silo_of_a_file_source_instance_mid_file_commits_every_click_once()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var cancellation = timeout.Token;
        var name = $"files{Guid.NewGuid():N}"[..14];
        var clicks = ClickStream.Generate(seed: 7, Files * ClicksPerFile, lateFraction: 0);
        var inputs = new BlobServiceClient(azurite.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06)).GetBlobContainerClient($"{name}-input");
        await inputs.CreateIfNotExistsAsync(cancellationToken: cancellation);
        for (var f = 0; f < Files; f++)
        {
            var lines = new StringBuilder();
            foreach (var click in clicks.Skip(f * ClicksPerFile).Take(ClicksPerFile))
            {
                lines.Append(ClickStream.ToLine(click)).Append('\n');
            }

            await inputs.GetBlobClient($"{VerificationFilesJob.Name}/part-{f:D3}.jsonl").UploadAsync(BinaryData.FromString(lines.ToString()), cancellation);
        }

        var logs = Directory.CreateTempSubdirectory("file-chaos-").FullName;
        await using var cluster = await ChaosCluster.StartAsync(
            azurite.ConnectionString, 2, name, logs, cancellation, new Dictionary<string, string> { ["OrleansCheckpoint:Storage:InputContainer"] = $"{name}-input" });
        await using var connection = await ClusterConnection.ConnectAsync(cluster.Connection with { ResponseTimeout = TimeSpan.FromSeconds(10) }, cancellation);
        var job = connection.Client.GetGrain<IJobManagerGrain>(VerificationFilesJob.Name);
        var checkpoints = new CheckpointSettings { Interval = TimeSpan.FromMilliseconds(300), Timeout = TimeSpan.FromSeconds(20) };
        await job.StartAsync(new JobStartOptions(2, checkpoints));

        // Once a checkpoint holds part of the files, the silo of source instance 0 goes: mid-file, with what it read after the checkpoint lost.
        var read = await Eventually.ValueAsync(
            async () => (Info: await job.GetInfoAsync(), Metrics: await job.GetMetricsAsync()),
            s => s.Info.LastCompletedCheckpoint is not null && s.Metrics.EventsAccepted > 0,
            "a checkpoint while the files are read",
            TimeSpan.FromSeconds(60));
        var source = await connection.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(connection.Client.GetGrain<IOperatorGrain>($"{VerificationFilesJob.Name}/clicks/0"));
        var victim = cluster.Kill(cluster.Silos.ToList().FindIndex(s => s.SiloPort == source!.Endpoint.Port));
        output.WriteLine($"killed {victim.Name} after {read.Metrics.EventsAccepted} of {clicks.Count} clicks read, checkpoint {read.Info.LastCompletedCheckpoint}");
        await cluster.StartSiloAsync(cancellation);

        var info = await Eventually.ValueAsync(
            async () =>
            {
                try
                {
                    return await job.GetInfoAsync();
                }
                catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansMessageRejectionException or Orleans.Runtime.SiloUnavailableException)
                {
                    return null; // the job manager was on the killed silo: it comes back elsewhere
                }
            },
            i => i?.Status is JobStatus.Finished or JobStatus.Failed,
            "the job to finish",
            TimeSpan.FromSeconds(150));

        Assert.Equal(JobStatus.Finished, info!.Status);
        Assert.True(info.Restarts >= 1, $"the job did not recover (restarts {info.Restarts}); it may have finished before the kill");
        var oracle = VerificationOracle.Of(clicks, batchSize: 1, parallelism: 1);
        Assert.Equal(0, oracle.LateClicks);
        var difference = oracle.FirstDifference(await ChaosRun.CommittedAsync(cluster, VerificationFilesJob.Name, job, oracle, cancellation));
        Assert.True(difference is null, difference);
        await inputs.DeleteAsync(cancellationToken: CancellationToken.None);
    }
}
