using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// One record of a file: its text (a line, or a CSV row as it stands in the file), its fields (CSV), the 1-based line
/// it starts on, the line it ends on and the byte offset just after it (where a restored reader goes on from), and why
/// it is malformed, if it is.
/// </summary>
internal sealed record FileRecord(string Text, string[]? Fields, long Line, long EndLine, long EndByte, string? Malformed = null);

/// <summary>Reads a file's records in order, from a position, holding only a buffer of the file in memory.</summary>
internal interface IFileRecordReader : IAsyncDisposable
{
    /// <summary>The next record, or null at the end of the file.</summary>
    ValueTask<FileRecord?> NextAsync(CancellationToken cancellation);
}

/// <summary>Lines (split at '\n', a '\r' before it dropped, UTF-8, a byte-order mark at the start dropped); empty lines are skipped.</summary>
internal sealed class LineRecordReader(Stream stream, long line, long offset) : IFileRecordReader
{
    private const int BufferBytes = 64 * 1024;
    private byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;
    private bool _eof;

    public async ValueTask<FileRecord?> NextAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline < 0 && !_eof)
            {
                await FillAsync(cancellation);
                continue;
            }

            if (newline < 0 && _start == _end)
            {
                return null;
            }

            var length = (newline < 0 ? _end : newline) - _start;
            var consumed = length + (newline < 0 ? 0 : 1);
            var bytes = _buffer.AsSpan(_start, length);
            if (bytes.EndsWith("\r"u8))
            {
                bytes = bytes[..^1];
            }

            if (offset == 0 && bytes.StartsWith("\uFEFF"u8))
            {
                bytes = bytes[3..];
            }

            var text = Encoding.UTF8.GetString(bytes);
            (_start, offset, line) = (_start + consumed, offset + consumed, line + 1);
            if (text.Length > 0)
            {
                return new FileRecord(text, null, line, line, offset);
            }
        }
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();

    /// <summary>Moves what is left to the buffer's start (growing it for a line longer than the buffer) and reads more.</summary>
    private async ValueTask FillAsync(CancellationToken cancellation)
    {
        var left = _end - _start;
        if (left == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, left);
        }

        (_start, _end) = (0, left);
        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellation);
        _end += read;
        _eof = read == 0;
    }
}

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
