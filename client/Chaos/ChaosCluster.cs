using System.Globalization;
using OrleansCheckpoint.Runtime.Chaos;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>
/// The cluster of one chaos seed: silo processes on Azure Table membership over one storage account, each with a
/// directory through which it can be told to fail storage writes (<see cref="StorageFaults"/>), and containers and a
/// cluster id of their own. Clients find the live silos through the membership table, as an Orleans client does.
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly string _storage;
    private readonly string _directory;
    private readonly Dictionary<string, string> _settings;
    private int _started;

    private ChaosCluster(string storage, string directory, string name)
    {
        (_storage, _directory, Name) = (storage, directory, name);
        OutputContainer = $"{name}-output";
        _settings = new Dictionary<string, string>
        {
            ["Silo:Clustering"] = "AzureTable",
            ["Silo:ClusterId"] = name,
            ["Silo:ServiceId"] = name,
            ["OrleansCheckpoint:Storage:ConnectionString"] = storage,
            ["OrleansCheckpoint:Storage:JobsContainer"] = $"{name}-jobs",
            ["OrleansCheckpoint:Storage:IngestContainer"] = $"{name}-ingest",
            ["OrleansCheckpoint:Storage:CheckpointsContainer"] = $"{name}-snapshots",
            ["OrleansCheckpoint:Storage:OutputContainer"] = OutputContainer,
            ["OrleansCheckpoint:SupervisionReminderPeriod"] = "00:00:10", // a job whose every silo died resumes within seconds
            ["OrleansCheckpoint:Http:Port"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
    }

    /// <summary>The cluster id (and service id, and the prefix of its containers).</summary>
    public string Name { get; }

    public string OutputContainer { get; }

    /// <summary>Where the silos' logs are.</summary>
    public string LogDirectory => _directory;

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public ConnectionSettings Connection => new(GatewayList.Default, Name, Name, MembershipStorage: _storage);

    /// <summary>Starts <paramref name="silos"/> silos named after <paramref name="name"/>, their logs and fault folders in <paramref name="directory"/>.</summary>
    /// <param name="storage">The storage account's connection string.</param>
    /// <param name="silos">How many silos.</param>
    /// <param name="name">The cluster id, service id and container prefix.</param>
    /// <param name="directory">Where the silos' logs and fault folders go.</param>
    /// <param name="cancellation">Cancels the start; what was started is stopped.</param>
    /// <param name="settings">Settings the silos take beside the cluster's own (configuration keys).</param>
    public static async Task<ChaosCluster> StartAsync(
        string storage, int silos, string name, string directory, CancellationToken cancellation, IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = new ChaosCluster(storage, directory, name);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            cluster._settings[key] = value;
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, silos).Select(_ => cluster.StartSiloAsync(cancellation)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo (a new process, on new ports).</summary>
    public async Task<SiloProcess> StartSiloAsync(CancellationToken cancellation)
    {
        var name = $"silo-{Interlocked.Increment(ref _started)}";
        var faults = Path.Combine(_directory, name);
        Directory.CreateDirectory(faults);
        var settings = new Dictionary<string, string>(_settings) { ["OrleansCheckpoint:FaultInjection:Directory"] = faults };
        var silo = await SiloProcess.StartAsync(name, settings, Path.Combine(_directory, $"{name}.log"), cancellation);
        lock (_silos)
        {
            _silos.Add(silo);
        }

        return silo;
    }

    /// <summary>SIGKILLs the live silo at <paramref name="index"/> (modulo their number); returns it.</summary>
    public SiloProcess Kill(int index)
    {
        SiloProcess victim;
        lock (_silos)
        {
            victim = _silos[index % _silos.Count];
            _silos.Remove(victim);
        }

        victim.Kill();
        _ = victim.DisposeAsync().AsTask();
        return victim;
    }

    /// <summary>Makes the next <paramref name="count"/> writes of <paramref name="kind"/> fail on every live silo.</summary>
    public void FailStorageWrites(StorageFaultKind kind, int count)
    {
        lock (_silos)
        {
            foreach (var silo in _silos)
            {
                File.WriteAllText(StorageFaults.FileOf(Path.Combine(_directory, silo.Name), kind), count.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<SiloProcess> silos;
        lock (_silos)
        {
            silos = [.. _silos];
            _silos.Clear();
        }

        await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
    }
}
