using OrleansCheckpoint.Cli.Output;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>
/// <c>client chaos</c>: for each seed, a cluster of real silo processes, the verification job, faults at the seed's
/// moments, and the committed output compared with an oracle computed from the pushed clicks alone. Azurite is started
/// once (or the one <c>AZURITE_CONN</c> names is used); the silos' logs stay in a folder it names when a seed fails.
/// </summary>
internal sealed class ChaosScenario(ChaosSettings settings, ConsoleOutput output)
{
    public async Task<int> RunAsync(CancellationToken cancellation)
    {
        var directory = Directory.CreateTempSubdirectory("orleans-checkpoint-chaos-").FullName;
        var runId = Guid.NewGuid().ToString("N")[..6];
        var (storage, azurite) = await Demo.LocalCluster.StartStorageAsync(output.LiveNote, cancellation);
        var results = new List<SeedResult>();
        try
        {
            foreach (var seed in settings.Seeds)
            {
                output.LiveNote($"seed {seed}: starting {settings.Silos} silo processes…");
                SeedResult result;
                try
                {
                    result = await new ChaosRun(settings, storage, runId, directory, output.LiveNote).RunAsync(seed, cancellation);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
                {
                    result = new SeedResult(seed, false, $"the run did not complete: {ErrorCauses.FirstLine(e.Message)}", settings.Events, 0, 0, 0, null, 0, [], Path.Combine(directory, $"seed-{seed}"));
                }

                results.Add(result);
                output.LiveNote(result.Passed
                    ? $"seed {seed}: pass ({result.Faults.Count} faults, {result.Restarts} restarts, {result.DurationS:0.0} s)"
                    : $"seed {seed}: FAIL: {result.FirstDifference} (silo logs in {result.Logs}; run it alone with --seeds {seed}..{seed})");
            }
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }
        }

        var report = new ChaosReport(settings, results);
        if (output.Json)
        {
            ConsoleOutput.JsonLine(report.ToJson());
        }
        else
        {
            output.Ansi.Write(report.Render());
            output.Line(string.Empty);
        }

        if (report.AllPassed)
        {
            Directory.Delete(directory, recursive: true);
        }

        return report.AllPassed ? 0 : 1;
    }
}
