using System.CommandLine;
using System.CommandLine.Invocation;
using OrleansCheckpoint.Cli.Connection;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>The client's command line: its commands and global options, and how a command line is run.</summary>
internal static class ClientCommandLine
{
    /// <param name="connect">How connected commands get their cluster client; by default through <c>--gateway</c>.</param>
    public static RootCommand Create(ClusterConnector? connect = null)
    {
        var root = new ClientRootCommand(connect ?? ClusterConnection.Connector)
        {
            StartCommand.Create(),
            StopCommand.Create(),
            JobsCommand.Create(),
            PushCommand.Create(),
            ResultsCommand.Create(),
            QueryCommand.Create(),
            MetricsCommand.Create(),
            CheckpointsCommand.Create(),
            CheckpointCommand.Create(),
            SavepointCommands.Savepoint(),
            SavepointCommands.Savepoints(),
            InspectCommand.Create(),
            DemoCommand.Create(),
            BenchCommand.Create(),
            ChaosCommand.Create(),
        };
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        return root;
    }

    /// <summary>Runs <paramref name="args"/>: a command line that does not parse is a usage error, otherwise the command runs.</summary>
    public static async Task<int> RunAsync(string[] args, ClusterConnector? connect = null)
    {
        var parse = Create(connect).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            return UsageErrors.Report(parse);
        }

        // Ctrl+C cancels the running command, which then stops what it started (the demo's silo and Azurite take a few seconds).
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }
}

/// <summary>The client's root command; it tells connected commands how to connect.</summary>
internal sealed class ClientRootCommand(ClusterConnector connect)
    : RootCommand("OrleansCheckpoint client: start, stop and inspect stream jobs and their checkpoints, push events, follow results, or run the demo.")
{
    public ClusterConnector Connect { get; } = connect;
}
