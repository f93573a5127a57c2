using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansCheckpoint.Azurite;

/// <summary>
/// A private Azurite (Azure Storage emulator) started from the repository's pinned npm package on
/// free loopback ports with a temporary data folder. Disposing it stops the process tree and
/// deletes the folder.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>The environment variable naming an Azurite that is already running (CI, a developer's own).</summary>
    public const string ConnectionStringVariable = "AZURITE_CONN";

    // The well-known development account that every Azurite accepts.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    // Several fixtures in one test host must not run `npm ci` in the same folder at once.
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static readonly HttpClient Probe = new();
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly OutputTail _output;
    private int _disposed;

    private AzuriteProcess(Process process, OutputTail output, string location, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        _output = output;
        Location = location;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        ProcessId = process.Id;
        AppDomain.CurrentDomain.ProcessExit += KillOnHostExit;
    }

    /// <summary>The loopback port of the blob service.</summary>
    public int BlobPort { get; }

    /// <summary>The loopback port of the queue service.</summary>
    public int QueuePort { get; }

    /// <summary>The loopback port of the table service.</summary>
    public int TablePort { get; }

    /// <summary>
    /// The temporary folder passed as <c>--location</c> (with <see cref="AzuriteStartOptions.InMemory"/>,
    /// only the working directory); deleted on dispose.
    /// </summary>
    public string Location { get; }

    /// <summary>The operating-system id of the Azurite (node) process.</summary>
    public int ProcessId { get; }

    /// <summary>A connection string for the development account on this instance's three ports.</summary>
    public string ConnectionString => FormatConnectionString(BlobPort, QueuePort, TablePort);

    /// <summary>
    /// Returns the <c>AZURITE_CONN</c> environment variable when it is set, so that a running
    /// Azurite can be reused instead of starting one; otherwise <see langword="null"/>.
    /// </summary>
    public static string? ExistingConnectionStringFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>
    /// Installs Azurite with <c>npm ci</c> if the repository has not done so yet, starts it on three
    /// free loopback ports and returns once its ports accept connections and its blob endpoint answers.
    /// </summary>
    /// <param name="options">Where the repository is and how to run Azurite; defaults when omitted.</param>
    /// <param name="ct">Cancels installing or waiting; a process already started is stopped.</param>
    /// <exception cref="InvalidOperationException">
    /// The repository cannot be found, <c>npm ci</c> fails, or Azurite exits or does not listen in time.
    /// The message carries the tail of the tool's output.
    /// </exception>
    public static async Task<AzuriteProcess> StartAsync(AzuriteStartOptions? options = null, CancellationToken ct = default)
    {
        options ??= new AzuriteStartOptions();
        var root = options.RepositoryRoot ?? FindRepositoryRoot();
        var executable = await EnsureInstalledAsync(root, options.Progress, ct).ConfigureAwait(false);

        var (blobPort, queuePort, tablePort) = PickFreeLoopbackPorts();
        var location = Directory.CreateTempSubdirectory("azurite-").FullName;
        var output = new OutputTail();
        Process process;
        try
        {
            process = StartRedirected(executable, AzuriteArguments(location, blobPort, queuePort, tablePort, options.InMemory), location, output);
        }
        catch
        {
            TryDeleteDirectory(location);
            throw;
        }

        var azurite = new AzuriteProcess(process, output, location, blobPort, queuePort, tablePort);
        try
        {
            await azurite.WaitUntilListeningAsync(options.StartTimeout, ct).ConfigureAwait(false);
            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills this instance's Azurite process tree, waits for it to exit and deletes <see cref="Location"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;

        AppDomain.CurrentDomain.ProcessExit -= KillOnHostExit;
        KillProcessTree(_process);
        using (var exitWait = new CancellationTokenSource(ExitTimeout))
        {
            try
            {
                await _process.WaitForExitAsync(exitWait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Best effort: a process that ignores SIGKILL for 10 s is beyond our reach.
            }
        }

        _process.Dispose();
        TryDeleteDirectory(Location);
    }

    /// <inheritdoc />
    public override string ToString() => $"Azurite pid {ProcessId} (blob {BlobPort}, queue {QueuePort}, table {TablePort}) at {Location}";

    private static string FormatConnectionString(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};";

    private static string FindRepositoryRoot()
    {
        var start = new[] { AppContext.BaseDirectory, Environment.CurrentDirectory };
        foreach (var directory in start.SelectMany(Ancestors))
        {
            var packageJson = Path.Combine(directory.FullName, "package.json");
            if (File.Exists(packageJson) && File.ReadAllText(packageJson).Contains("azurite", StringComparison.OrdinalIgnoreCase))
                return directory.FullName;
        }

        throw new InvalidOperationException(
            $"No package.json mentioning azurite was found above '{AppContext.BaseDirectory}' or '{Environment.CurrentDirectory}'. " +
            $"Set {nameof(AzuriteStartOptions)}.{nameof(AzuriteStartOptions.RepositoryRoot)}, or set {ConnectionStringVariable} to reuse a running Azurite.");
    }

    private static IEnumerable<DirectoryInfo> Ancestors(string path)
    {
        for (var directory = new DirectoryInfo(path); directory is not null; directory = directory.Parent)
            yield return directory;
    }

    private static async Task<string> EnsureInstalledAsync(string root, Action<string>? progress, CancellationToken ct)
    {
        var executable = Path.Combine(root, "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite");
        await InstallLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var missing = MissingPackages(root);
            if (File.Exists(executable) && missing.Count == 0)
                return executable;

            progress?.Invoke($"Installing the pinned npm packages with `npm ci` in {root} (first run only, about a minute): {string.Join(", ", missing)}…");
            await RunNpmCiAsync(root, ct).ConfigureAwait(false);
            return File.Exists(executable)
                ? executable
                : throw new InvalidOperationException($"npm ci succeeded in '{root}' but did not create '{executable}'. Does package.json pin azurite?");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>The packages package.json pins (Azurite, the dashboard's chart library, …) that node_modules lacks.</summary>
    private static List<string> MissingPackages(string root)
    {
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "package.json")));
        return manifest.RootElement.TryGetProperty("devDependencies", out var packages)
            ? [.. packages.EnumerateObject().Select(p => p.Name).Where(name => !File.Exists(Path.Combine(root, "node_modules", name, "package.json")))]
            : [];
    }

    private static async Task RunNpmCiAsync(string root, CancellationToken ct)
    {
        var output = new OutputTail();
        string Failure(string what) =>
            $"npm ci failed in '{root}' ({what}). Node.js and npm must be installed and on PATH to run Azurite for the tests. Its output:{Environment.NewLine}{output}";

        Process npm;
        try
        {
            npm = StartRedirected(OperatingSystem.IsWindows() ? "npm.cmd" : "npm", ["ci", "--no-audit", "--no-fund"], root, output);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(Failure($"npm could not be started: {e.Message}"), e);
        }

        using (npm)
        {
            try
            {
                await npm.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                KillProcessTree(npm);
                throw;
            }

            if (npm.ExitCode != 0)
                throw new InvalidOperationException(Failure($"exit code {npm.ExitCode}"));
        }
    }

    private static string[] AzuriteArguments(string location, int blobPort, int queuePort, int tablePort, bool inMemory)
    {
        // Azurite refuses --location together with --inMemoryPersistence; in memory it runs in the
        // temporary folder instead, so nothing it writes lands elsewhere.
        string[] storage = inMemory ? ["--inMemoryPersistence"] : ["--location", location];
        return
        [
            "--silent",
            .. storage,
            "--blobHost", "127.0.0.1", "--blobPort", $"{blobPort}",
            "--queueHost", "127.0.0.1", "--queuePort", $"{queuePort}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{tablePort}",
            // Azure.Storage.Blobs 12.30.1 sends an API version newer than Azurite 3.37.0 accepts.
            "--skipApiVersionCheck",
            "--disableTelemetry",
        ];
    }

    // Binds all three listeners before releasing any, so the ports differ from each other.
    private static (int Blob, int Queue, int Table) PickFreeLoopbackPorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
                listener.Start();
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var listener in listeners)
                listener.Stop();
        }
    }

    private static Process StartRedirected(string fileName, IEnumerable<string> arguments, string workingDirectory, OutputTail output)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // Every port must accept connections, and the blob endpoint must answer HTTP as the blob service does (a
    // listening socket alone could be another process that took the port between picking and binding).
    private async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var (port, ready) in new (int, Func<int, CancellationToken, Task<bool>>)[]
                 {
                     (BlobPort, AnswersAsBlobServiceAsync), (QueuePort, AcceptsConnectionAsync), (TablePort, AcceptsConnectionAsync),
                 })
        {
            while (!await ready(port, ct).ConfigureAwait(false))
            {
                if (_process.HasExited)
                    throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before port {port} answered. Output:{Environment.NewLine}{_output}");
                if (clock.Elapsed > timeout)
                    throw new InvalidOperationException($"Azurite did not answer on port {port} within {timeout.TotalSeconds:0.#} s. Output:{Environment.NewLine}{_output}");
                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
        }
    }

    // An unsigned request is refused, but Azure Blob Storage answers it with an x-ms-request-id header.
    private static async Task<bool> AnswersAsBlobServiceAsync(int port, CancellationToken ct)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using var response = await Probe.GetAsync(new Uri($"http://127.0.0.1:{port}/{AccountName}?comp=list"), attempt.Token).ConfigureAwait(false);
            return response.Headers.Contains("x-ms-request-id");
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task<bool> AcceptsConnectionAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private void KillOnHostExit(object? sender, EventArgs e)
    {
        KillProcessTree(_process);
        TryDeleteDirectory(Location);
    }

    private static void KillProcessTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited (or never started).
        }
        catch (Win32Exception)
        {
            // Best effort: part of the tree could not be signalled.
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is harmless.
        }
    }

    // About 50 lines of what a tool wrote to stdout and stderr, for error messages: the first 10
    // (npm puts the cause of a usage error there) and the last 40. Filled from the asynchronous
    // readers, so the pipes never fill up.
    private sealed class OutputTail
    {
        private const int HeadCapacity = 10;
        private const int TailCapacity = 40;
        private readonly List<string> _head = [];
        private readonly Queue<string> _tail = new();
        private int _skipped;

        public void Add(string? line)
        {
            if (line is null)
                return;
            lock (_tail)
            {
                if (_head.Count < HeadCapacity)
                {
                    _head.Add(line);
                    return;
                }

                if (_tail.Count == TailCapacity)
                {
                    _tail.Dequeue();
                    _skipped++;
                }

                _tail.Enqueue(line);
            }
        }

        public override string ToString()
        {
            lock (_tail)
            {
                if (_head.Count == 0)
                    return "(no output)";
                IEnumerable<string> lines = _skipped == 0
                    ? [.. _head, .. _tail]
                    : [.. _head, $"... ({_skipped} lines left out) ...", .. _tail];
                return string.Join(Environment.NewLine, lines);
            }
        }
    }
}
