using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// CSV rows (RFC 4180, through CsvHelper's parser), from a byte offset at a row's start; blank lines are skipped. A row
/// with malformed quoting is returned with <see cref="FileRecord.Malformed"/> set.
/// </summary>
internal sealed class CsvRecordReader : IFileRecordReader
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    private readonly CsvParser _parser;
    private readonly long _firstLine;
    private readonly long _offset;
    private string? _badData;

    private CsvRecordReader(Stream stream, long line, long offset)
    {
        (_firstLine, _offset) = (line, offset);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = false,
            CountBytes = true,
            Encoding = Utf8,
            IgnoreBlankLines = true,
            BadDataFound = args => _badData ??= $"malformed quoting in field '{args.Field}'",
        };
        _parser = new CsvParser(new StreamReader(stream, Utf8, detectEncodingFromByteOrderMarks: false), config);
    }

    /// <summary>Opens a reader at (<paramref name="line"/>, <paramref name="offset"/>): after that many lines and bytes.</summary>
    public static IFileRecordReader Open(Stream stream, long line, long offset) => new CsvRecordReader(stream, line, offset);

    public async ValueTask<FileRecord?> NextAsync(CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        _badData = null;
        if (!await _parser.ReadAsync())
        {
            return null;
        }

        var raw = _parser.RawRecord;
        var text = raw.TrimEnd('\r', '\n');
        var end = _offset + _parser.ByteCount;
        var endLine = _firstLine + _parser.RawRow;
        var startLine = endLine - text.Count(c => c == '\n');
        var fields = _parser.Record ?? [];
        if (_offset == 0 && _parser.Row == 1 && fields.Length > 0 && fields[0].StartsWith('\uFEFF'))
        {
            fields[0] = fields[0][1..];
            text = text.TrimStart('\uFEFF');
        }

        return new FileRecord(text, fields, startLine, endLine, end, _badData);
    }

    public ValueTask DisposeAsync()
    {
        _parser.Dispose();
        return ValueTask.CompletedTask;
    }
}
