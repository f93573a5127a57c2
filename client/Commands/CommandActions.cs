using System.CommandLine;
using System.Globalization;
using Orleans.Runtime.Messaging;
using OrleansCheckpoint.Cli.Connection;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Cli.Push;
using OrleansCheckpoint.Errors;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>What a connected command gets: its parsed arguments, the cluster and where to write.</summary>
internal sealed record CommandContext(ParseResult Parse, IClusterClient Client, ConsoleOutput Output);

/// <summary>
/// Runs command bodies the same way everywhere: connects (if asked), and turns failures into one line on stderr
/// and an exit code — a <see cref="StreamJobException"/> or a client-detected error gives <c>error: message</c> and
/// <see cref="ExitCodes.Failed"/>, an unreachable or lost silo <see cref="ExitCodes.Unreachable"/>.
/// </summary>
internal static class CommandActions
{
    /// <summary>Sets <paramref name="command"/>'s action: connect to the cluster (as the root command says), then run <paramref name="body"/>.</summary>
    public static void SetConnectedAction(this Command command, Func<CommandContext, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellation) => RunAsync(parse, async (output, token) =>
        {
            var connect = parse.RootCommandResult.Command is ClientRootCommand root ? root.Connect : ClusterConnection.Connector;
            await using var connection = await connect(GlobalOptions.ConnectionOf(parse), token);
            return await body(new CommandContext(parse, connection.Client, output), token);
        }, cancellation));

    /// <summary>Sets <paramref name="command"/>'s action: run <paramref name="body"/>, which connects itself if it needs to.</summary>
    public static void SetLocalAction(this Command command, Func<ParseResult, ConsoleOutput, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellation) => RunAsync(parse, (output, token) => body(parse, output, token), cancellation));

    private static async Task<int> RunAsync(ParseResult parse, Func<ConsoleOutput, CancellationToken, Task<int>> body, CancellationToken cancellation)
    {
        var output = new ConsoleOutput(parse.GetValue(GlobalOptions.Json));
        try
        {
            return await body(output, cancellation);
        }
        catch (Exception e) when (Describe(e is PushFailedException ? e.InnerException! : e, cancellation) is var (exitCode, message))
        {
            ConsoleOutput.Error(message);
            if (e is PushFailedException { Progress: var progress } failed)
            {
                ConsoleOutput.Note(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{progress.Accepted:N0} events in {progress.Batches:N0} batches were accepted before the push stopped ({progress.Retries:N0} retries, {progress.Duplicates:N0} duplicates)."));
                if (failed.ProducerId is { } producer)
                {
                    ConsoleOutput.Note(
                        $"To push the same input again without counting what was accepted twice, repeat the command with --producer-id {producer} " +
                        "(the same input and --batch-size, the job's parallelism unchanged).");
                }
            }

            return exitCode;
        }
    }

    /// <summary>The exit code and the line for an error users can act on; <c>null</c> for a bug (left to the default handler, with its stack trace).</summary>
    private static (int ExitCode, string Message)? Describe(Exception e, CancellationToken cancellation) => e switch
    {
        OperationCanceledException when cancellation.IsCancellationRequested => (ExitCodes.Interrupted, "interrupted"),
        ClusterUnreachableException => (ExitCodes.Unreachable, e.Message),
        _ when IsConnectionLoss(e) => (ExitCodes.Unreachable, $"lost the connection to the silo: {ErrorCauses.FirstLine(e.Message)}"),
        ClientException => (ExitCodes.Failed, e.Message),
        _ when ErrorCauses.Find<StreamJobException>(e) is { } job => (ExitCodes.Failed, job.Message),
        TimeoutException => (ExitCodes.Failed, $"the silo did not answer in time: {ErrorCauses.FirstLine(e.Message)}"),
        IOException => (ExitCodes.Failed, e.Message),
        _ => null,
    };

    // SiloUnavailableException is an OrleansMessageRejectionException.
    private static bool IsConnectionLoss(Exception e) =>
        ErrorCauses.Find<ConnectionFailedException>(e) is not null || ErrorCauses.Find<OrleansMessageRejectionException>(e) is not null;
}
