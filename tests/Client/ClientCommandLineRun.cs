using OrleansCheckpoint.Cli.Commands;
using OrleansCheckpoint.Cli.Connection;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>What a run of the client's command line printed, and its exit code.</summary>
internal sealed record ClientCommandLineRun(int ExitCode, string Out, string Error)
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>The last JSON value written to stdout.</summary>
    public string Json => Out.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith('{') || l.StartsWith('['));

    /// <summary>
    /// Runs the client's command line in this process, connected commands with <paramref name="client"/> (the test
    /// cluster's gateways are in-memory), capturing stdout and stderr (one run at a time).
    /// </summary>
    public static Task<ClientCommandLineRun> RunAsync(IClusterClient client, params string[] args) =>
        RunAsync(args, (_, _) => Task.FromResult<IClusterConnection>(new Borrowed(client)));

    /// <summary>Runs the client's command line as <see cref="RunAsync(IClusterClient, string[])"/> does, with <paramref name="standardInput"/> as its standard input.</summary>
    public static Task<ClientCommandLineRun> RunWithInputAsync(IClusterClient client, string standardInput, params string[] args) =>
        RunAsync(args, (_, _) => Task.FromResult<IClusterConnection>(new Borrowed(client)), standardInput);

    /// <summary>Runs the client's command line in this process with <paramref name="connect"/> for connected commands.</summary>
    public static async Task<ClientCommandLineRun> RunAsync(string[] args, ClusterConnector connect, string? standardInput = null)
    {
        await OneAtATime.WaitAsync();
        var (stdin, stdout, stderr) = (Console.In, Console.Out, Console.Error);
        using var capturedOut = new StringWriter();
        using var capturedError = new StringWriter();
        try
        {
            if (standardInput is not null)
            {
                Console.SetIn(new StringReader(standardInput));
            }

            Console.SetOut(capturedOut);
            Console.SetError(capturedError);
            var exitCode = await ClientCommandLine.RunAsync(args, connect);
            return new ClientCommandLineRun(exitCode, capturedOut.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetIn(stdin);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            OneAtATime.Release();
        }
    }

    /// <summary>A client the test owns: the command's disposal leaves it connected.</summary>
    private sealed class Borrowed(IClusterClient client) : IClusterConnection
    {
        public IClusterClient Client { get; } = client;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
