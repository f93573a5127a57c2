namespace OrleansCheckpoint.Dataflow;

/// <summary>A row of a CSV file, as a file source hands it to its parse function.</summary>
/// <param name="Fields">The row's fields, unquoted.</param>
/// <param name="Header">The file's header row, or null for files read without one.</param>
public sealed record CsvRow(IReadOnlyList<string> Fields, IReadOnlyList<string>? Header)
{
    /// <summary>The field at <paramref name="index"/> (0-based).</summary>
    public string this[int index] => Fields[index];

    /// <summary>The field of column <paramref name="column"/> of the header; throws <see cref="KeyNotFoundException"/> naming it if there is none.</summary>
    public string this[string column]
    {
        get
        {
            var index = Header is null ? -1 : IndexOf(Header, column);
            return index >= 0 && index < Fields.Count ? Fields[index] : throw new KeyNotFoundException($"The CSV row has no column '{column}'.");
        }
    }

    private static int IndexOf(IReadOnlyList<string> header, string column)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (string.Equals(header[i], column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
