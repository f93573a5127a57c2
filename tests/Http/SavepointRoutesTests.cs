using System.Net;
using System.Text.Json;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using Xunit;

namespace OrleansCheckpoint.Tests.Http;

/// <summary>
/// The savepoint routes of a real silo's HTTP API: trigger (202 with the id), poll until completed, list, stop the job
/// with one, dispose of one; and the errors: an unknown job or savepoint 404, a bad body 400, a job not running 409.
/// </summary>
[Collection(HttpSiloCollection.Name)]
public sealed class SavepointRoutesTests(HttpSiloFixture silo)
{
    private const string Job = "http-savepoints";

    [Fact]
    public async Task Savepoints_are_triggered_polled_listed_taken_at_a_stop_and_disposed_of_over_http_as_the_grain_has_them()
    {
        await silo.StartWithCheckpointsAsync(Job, completed: 1);

        var id = (await SendAsync(HttpMethod.Post, $"/jobs/{Job}/savepoints", null, HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
        var done = await PollAsync(id);
        Assert.Equal($"{Job}/{id}", done.GetProperty("path").GetString());
        Assert.False(done.GetProperty("stopped").GetBoolean());

        var stopId = (await SendAsync(HttpMethod.Post, $"/jobs/{Job}/savepoints", "{\"stop\": true}", HttpStatusCode.Accepted)).GetProperty("id").GetInt64();
        Assert.True((await PollAsync(stopId)).GetProperty("stopped").GetBoolean());
        Assert.Equal(JobStatus.Stopped, (await silo.Client.GetGrain<IJobManagerGrain>(Job).GetInfoAsync()).Status);

        var listed = (await SendAsync(HttpMethod.Get, $"/jobs/{Job}/savepoints", null, HttpStatusCode.OK)).GetProperty("savepoints").EnumerateArray().Select(s => s.GetProperty("id").GetInt64());
        Assert.Equal((await silo.Client.GetGrain<ISavepointGrain>(Job).GetSavepointsAsync()).Select(s => s.Id), listed);
        Assert.Equal([stopId, id], listed);

        Assert.Contains("is not running", (await SendAsync(HttpMethod.Post, $"/jobs/{Job}/savepoints", null, HttpStatusCode.Conflict)).GetProperty("error").GetString());
        Assert.Contains("\"stop\"", (await SendAsync(HttpMethod.Post, $"/jobs/{Job}/savepoints", "{\"stop\": \"soon\"}", HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        await SendAsync(HttpMethod.Delete, $"/jobs/{Job}/savepoints/{id}", null, HttpStatusCode.NoContent);
        Assert.Contains($"has no savepoint {id}", (await SendAsync(HttpMethod.Get, $"/jobs/{Job}/savepoints/{id}", null, HttpStatusCode.NotFound)).GetProperty("error").GetString());
        Assert.Contains("no-such-job", (await SendAsync(HttpMethod.Post, "/jobs/no-such-job/savepoints", null, HttpStatusCode.NotFound)).GetProperty("error").GetString());
    }

    private async Task<JsonElement> PollAsync(long id)
    {
        JsonElement status = default;
        await HttpSiloFixture.Until(
            async () => (status = await SendAsync(HttpMethod.Get, $"/jobs/{Job}/savepoints/{id}", null, HttpStatusCode.OK)).GetProperty("status").GetString() == "COMPLETED",
            $"savepoint {id} to complete");
        return status.GetProperty("savepoint");
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var response = await silo.Http.SendAsync(HttpSiloFixture.WithKey(method, path, json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }
}
