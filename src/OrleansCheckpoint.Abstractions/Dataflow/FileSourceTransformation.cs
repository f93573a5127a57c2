namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A source that reads files (blobs under a container prefix) as Flink's FileSource does: each file is read by one
/// instance, chosen by a stable hash of its name modulo the parallelism, and an instance reads its files in name
/// order. A checkpoint records the files an instance has read and how far it is in the current one (line and byte
/// offset); after a restore it reads on from there, so every record is emitted once. Records the parse function
/// rejects go to the dead-letter location instead, once each.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class FileSourceTransformation<T> : Transformation
{
    internal FileSourceTransformation(string uid, FileSourceSettings settings, SourceFileFormat format, Func<string, T>? parseLine, Func<CsvRow, T>? parseCsv, WatermarkStrategy<T>? watermarks)
        : base(uid, [])
    {
        Settings = settings;
        Format = format;
        ParseLine = parseLine;
        ParseCsv = parseCsv;
        Watermarks = watermarks;
    }

    /// <summary>Where the files are, whether new ones are watched for, and where rejected records go.</summary>
    public FileSourceSettings Settings { get; }

    /// <summary>The files' format.</summary>
    public SourceFileFormat Format { get; }

    /// <summary>For <see cref="SourceFileFormat.Lines"/>: parses a line (without its line break).</summary>
    public Func<string, T>? ParseLine { get; }

    /// <summary>For <see cref="SourceFileFormat.Csv"/>: parses a row (a row whose field count differs from the header's is rejected before).</summary>
    public Func<CsvRow, T>? ParseCsv { get; }

    /// <summary>Event timestamps and watermarks, or <c>null</c> for a job without event time.</summary>
    public WatermarkStrategy<T>? Watermarks { get; }

    /// <inheritdoc />
    public override Type OutputType => typeof(T);

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitFileSource(this);
}
