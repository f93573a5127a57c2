namespace OrleansCheckpoint.Client;

/// <summary>An error the client itself detects (a bad input, a wait that timed out); the message is meant for users.</summary>
public sealed class ClientException(string message, Exception? inner = null) : Exception(message, inner);
