namespace OrleansCheckpoint.Cli.Commands;

/// <summary>The client's exit codes, a public interface for scripts.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The runtime refused the request (any StreamJobException), a bad input, or a failed check.</summary>
    public const int Failed = 1;

    /// <summary>No silo could be reached at the gateway, or the connection to it was lost.</summary>
    public const int Unreachable = 2;

    /// <summary>Interrupted by Ctrl+C before the command finished.</summary>
    public const int Interrupted = 130;
}
