using System.Text;

namespace OrleansCheckpoint.Runtime.Sources;

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
