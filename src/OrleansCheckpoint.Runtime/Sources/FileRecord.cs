namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// One record of a file: its text (a line, or a CSV row as it stands in the file), its fields (CSV), the 1-based line
/// it starts on, the line it ends on and the byte offset just after it (where a restored reader goes on from), and why
/// it is malformed, if it is.
/// </summary>
internal sealed record FileRecord(string Text, string[]? Fields, long Line, long EndLine, long EndByte, string? Malformed = null);
