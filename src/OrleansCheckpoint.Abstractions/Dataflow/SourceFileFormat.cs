namespace OrleansCheckpoint.Dataflow;

/// <summary>The format of a file source's files.</summary>
public enum SourceFileFormat
{
    /// <summary>One record per line (JSON lines, or any text lines); empty lines are skipped.</summary>
    Lines,

    /// <summary>RFC 4180 CSV: one record per row (a quoted field may span lines), optionally after a header row.</summary>
    Csv,
}
