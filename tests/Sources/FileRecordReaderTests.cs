using System.Text;
using OrleansCheckpoint.Runtime.Sources;
using Xunit;

namespace OrleansCheckpoint.Tests.Sources;

/// <summary>
/// The file source's record readers: lines and CSV rows with their line numbers and end offsets, and — what a restore
/// relies on — a reader opened at any record's end reads exactly the records that follow it.
/// </summary>
public sealed class FileRecordReaderTests
{
    private const string Lines = "\uFEFF{\"a\":1}\r\n\n{\"a\":2}\n{\"a\":\"ü€\"}\n{\"a\":4}";

    private const string Csv = "\uFEFFkey,value\r\nk1,1\n\n\"k,2\",\"multi\nline\"\nk3,\"bad\"x,3\nk4,4";

    [Fact]
    public async Task Lines_are_read_with_their_line_numbers_skipping_empty_ones_and_the_byte_order_mark()
    {
        var records = await ReadAllAsync(FileFormatOf.Lines, Lines, 0, 0);

        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":\"ü€\"}", "{\"a\":4}"], records.Select(r => r.Text));
        Assert.Equal([1L, 3, 4, 5], records.Select(r => r.Line));
        Assert.Equal(Encoding.UTF8.GetByteCount(Lines), records[^1].EndByte);
    }

    [Fact]
    public async Task Csv_rows_are_read_with_the_line_they_start_on_and_malformed_quoting_is_flagged()
    {
        var records = await ReadAllAsync(FileFormatOf.Csv, Csv, 0, 0);

        Assert.Equal(["key", "k1", "k,2", "k3", "k4"], records.Select(r => r.Fields![0]));
        Assert.Equal([1L, 2, 4, 6, 7], records.Select(r => r.Line));
        Assert.Equal("multi\nline", records[2].Fields![1]);
        Assert.Equal(5, records[2].EndLine);
        Assert.NotNull(records[3].Malformed);
        Assert.All(records.Where(r => r != records[3]), r => Assert.Null(r.Malformed));
        Assert.Equal(Encoding.UTF8.GetByteCount(Csv), records[^1].EndByte);
    }

    [Theory]
    [InlineData(FileFormatOf.Lines)]
    [InlineData(FileFormatOf.Csv)]
    public async Task A_reader_opened_after_any_record_reads_exactly_the_records_that_follow_it(FileFormatOf format)
    {
        var content = format == FileFormatOf.Lines ? Lines : Csv;
        var all = await ReadAllAsync(format, content, 0, 0);

        for (var i = 0; i < all.Count; i++)
        {
            var rest = await ReadAllAsync(format, content, all[i].EndLine, all[i].EndByte);
            Assert.Equal(all.Skip(i + 1).Select(r => (r.Text, r.Line, r.EndByte)), rest.Select(r => (r.Text, r.Line, r.EndByte)));
        }
    }

    [Fact]
    public async Task A_line_longer_than_the_buffer_is_read_whole()
    {
        var longLine = new string('x', 200_000);
        var records = await ReadAllAsync(FileFormatOf.Lines, $"a\n{longLine}\nb\n", 0, 0);

        Assert.Equal(["a", longLine, "b"], records.Select(r => r.Text));
    }

    public enum FileFormatOf
    {
        Lines,
        Csv,
    }

    private static async Task<List<FileRecord>> ReadAllAsync(FileFormatOf format, string content, long line, long offset)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var stream = new MemoryStream(bytes, (int)offset, bytes.Length - (int)offset);
        await using var reader = format == FileFormatOf.Lines ? new LineRecordReader(stream, line, offset) : CsvRecordReader.Open(stream, line, offset);
        var records = new List<FileRecord>();
        while (await reader.NextAsync(CancellationToken.None) is { } record)
        {
            records.Add(record);
        }

        return records;
    }
}
