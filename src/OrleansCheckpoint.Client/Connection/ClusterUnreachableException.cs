namespace OrleansCheckpoint.Client;

/// <summary>No silo answered at the gateway (or the connection to it was lost); the message is meant for users.</summary>
public sealed class ClusterUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
