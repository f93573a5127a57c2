using System.Globalization;
using CsvHelper;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Sinks;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The file sink's CSV rows read back, with an independent CSV reader, as the records they were made from.</summary>
public sealed class RecordFormatTests
{
    public sealed record Row(string Name, long Count, double Share, DateTimeOffset At, string? Note);

    [Fact]
    public void Csv_rows_with_commas_quotes_line_breaks_and_nulls_read_back_as_the_records()
    {
        Row[] records =
        [
            new("plain", 1, 0.5, DateTimeOffset.FromUnixTimeMilliseconds(1_000), "n"),
            new("with, comma", -2, 1e-9, DateTimeOffset.FromUnixTimeMilliseconds(0), null),
            new("say \"hi\"", long.MaxValue, double.NaN, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), "line\nbreak"),
            new(" spaces ", 0, -0.25, DateTimeOffset.FromUnixTimeMilliseconds(5), "ünïcødé"),
        ];
        var format = RecordFormat<Row>.For(FileFormat.Csv);

        var file = string.Join('\n', [format.Header!, .. records.Select(format.Format)]) + "\n";

        Assert.Equal(".csv", format.Extension);
        Assert.Equal("Name,Count,Share,At,Note", format.Header);
        using var reader = new CsvReader(new StringReader(file), CultureInfo.InvariantCulture);
        var read = reader.GetRecords<Row>().ToList();
        Assert.Equal(records.Length, read.Count);
        for (var i = 0; i < records.Length; i++)
        {
            Assert.Equal(records[i].Name, read[i].Name);
            Assert.Equal(records[i].Count, read[i].Count);
            Assert.Equal(records[i].Share, read[i].Share);
            Assert.Equal(records[i].At, read[i].At);
            Assert.Equal(records[i].Note ?? string.Empty, read[i].Note ?? string.Empty); // CSV has no null: an empty field
        }
    }

    [Fact]
    public void A_record_of_a_single_value_is_one_column_named_value()
    {
        var format = RecordFormat<long>.For(FileFormat.Csv);

        Assert.Equal("value", format.Header);
        Assert.Equal(["42", "-7"], new[] { format.Format(42), format.Format(-7) });
        Assert.Equal("\"a,b\"", RecordFormat<string>.For(FileFormat.Csv).Format("a,b"));
    }

    [Fact]
    public void Json_lines_have_no_header_and_camel_case_properties()
    {
        var format = RecordFormat<Row>.For(FileFormat.JsonLines);

        Assert.Null(format.Header);
        Assert.Equal(".jsonl", format.Extension);
        Assert.StartsWith("{\"name\":\"a\",\"count\":3,", format.Format(new Row("a", 3, 1, DateTimeOffset.UnixEpoch, null)), StringComparison.Ordinal);
    }
}
