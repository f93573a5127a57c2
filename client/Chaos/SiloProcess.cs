using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>
/// A silo in a process of its own (<c>dotnet OrleansCheckpoint.Silo.dll</c>, the program beside this one), configured
/// through environment variables, its output written to a log file. Started once its gateway accepts connections; killed
/// with SIGKILL (<see cref="Kill"/>), as a crash would end it.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;

    private SiloProcess(string name, Process process, StreamWriter log, Task pumps, int siloPort, int gatewayPort)
    {
        (Name, _process, _log, _pumps, SiloPort, GatewayPort, ProcessId) = (name, process, log, pumps, siloPort, gatewayPort, process.Id);
    }

    /// <summary>The silo program this client runs.</summary>
    public static string Program => Path.Combine(AppContext.BaseDirectory, "OrleansCheckpoint.Silo.dll");

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int ProcessId { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts a silo named <paramref name="name"/> on free loopback ports with <paramref name="settings"/> (configuration keys,
    /// e.g. <c>Silo:Clustering</c>) and waits until its gateway takes connections.
    /// </summary>
    /// <param name="name">The silo's name, for messages.</param>
    /// <param name="settings">Configuration keys and values.</param>
    /// <param name="logFile">Where its output goes.</param>
    /// <param name="cancellation">Gives up waiting.</param>
    /// <param name="program">Another silo program than <see cref="Program"/> (a user's own silo host, for the samples' test).</param>
    public static async Task<SiloProcess> StartAsync(
        string name, IReadOnlyDictionary<string, string> settings, string logFile, CancellationToken cancellation, string? program = null)
    {
        program ??= Program;
        if (!File.Exists(program))
        {
            throw new ClientException($"the silo program is not beside the client ({program} is missing): build the solution first");
        }

        var (siloPort, gatewayPort) = FreePorts();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { program },
            WorkingDirectory = Path.GetDirectoryName(program)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Silo__SiloPort"] = $"{siloPort}";
        start.Environment["Silo__GatewayPort"] = $"{gatewayPort}";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new ClientException($"could not start silo {name}");
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, log), PumpAsync(process.StandardError, log));
        var silo = new SiloProcess(name, process, log, pumps, siloPort, gatewayPort);
        var deadline = Stopwatch.StartNew();
        while (!await AcceptsAsync(gatewayPort, cancellation))
        {
            if (process.HasExited || deadline.Elapsed > StartTimeout)
            {
                await silo.DisposeAsync();
                var tail = File.ReadLines(logFile).TakeLast(20);
                throw new ClientException($"silo {name} did not start{(process.HasExited ? $" (exit code {process.ExitCode})" : $" within {StartTimeout.TotalSeconds:0} s")}; its last output:{Environment.NewLine}{string.Join(Environment.NewLine, tail)}");
            }

            await Task.Delay(100, cancellation);
        }

        return silo;
    }

    /// <summary>Kills the process at once (SIGKILL): no shutdown, no goodbye to the cluster.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        await _pumps;
        await _log.DisposeAsync();
        _process.Dispose();
    }

    private static async Task PumpAsync(StreamReader from, StreamWriter to)
    {
        while (await from.ReadLineAsync() is { } line)
        {
            lock (to)
            {
                to.WriteLine(line);
            }
        }
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellation)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port, cancellation);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Binds both listeners before releasing either, so the ports differ.
    private static (int Silo, int Gateway) FreePorts()
    {
        using var silo = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var gateway = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        gateway.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (((IPEndPoint)silo.LocalEndPoint!).Port, ((IPEndPoint)gateway.LocalEndPoint!).Port);
    }
}
