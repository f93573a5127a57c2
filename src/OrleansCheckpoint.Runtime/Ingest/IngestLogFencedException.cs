namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>A write to the ingest log was refused: another writer (a newer activation of the source) owns its end.</summary>
internal sealed class IngestLogFencedException(string message) : Exception(message);
