using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.RequestCounter;
using Xunit;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The demo's request generator: deterministic for a seed, and every line it writes is one the job parses.</summary>
public sealed class RequestGeneratorTests
{
    private static readonly Func<string, Request> Parse = JsonLines.Parser<Request>();

    [Fact]
    public void The_same_seed_gives_the_same_lines_and_another_seed_other_lines()
    {
        static List<string> Lines(int seed) => new RequestGenerator(seed, eventsPerSecond: 500, lateFraction: 0.01).Take(5_000).Select(RequestGenerator.ToJsonLine).ToList();

        Assert.Equal(Lines(3), Lines(3));
        Assert.NotEqual(Lines(3), Lines(4));
    }

    [Fact]
    public void Every_generated_line_parses_with_the_jobs_parser_into_the_request_it_was_written_from()
    {
        var requests = new RequestGenerator(seed: 8, lateFraction: 0.05).Take(5_000).ToList();

        Assert.Equal(requests, requests.Select(RequestGenerator.ToJsonLine).Select(Parse));
        Assert.All(requests, r => Assert.Equal(0, r.Timestamp.Ticks % TimeSpan.TicksPerMillisecond)); // milliseconds survive the line
    }

    [Theory]
    [InlineData("/api/\"quoted\"", "u\\1")]
    [InlineData("/api/line\nbreak", "tab\tuser")]
    [InlineData("/api/ünïcødé/漢字", "u\u0001")]
    public void A_request_with_characters_json_must_escape_still_gives_one_valid_line(string endpoint, string user)
    {
        var request = new Request(endpoint, user, RequestGenerator.Start.AddMilliseconds(1_250));

        var line = RequestGenerator.ToJsonLine(request);

        Assert.DoesNotContain('\n', line);
        Assert.Equal(request, Parse(line));
    }

    [Fact]
    public void A_line_has_the_documented_shape()
    {
        var line = RequestGenerator.ToJsonLine(new Request("/api/orders", "u17", RequestGenerator.Start.AddMilliseconds(1_250)));

        Assert.Equal("""{"endpoint":"/api/orders","user":"u17","timestamp":"2026-11-24T10:00:01.250Z"}""", line);
    }
}
