using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using Xunit;

namespace OrleansCheckpoint.Tests.Http;

/// <summary>
/// With an API key and JWT configured, the routes that change a job refuse anonymous requests (401) while reads and
/// /metrics stay open (the defaults of ReadAccess and MetricsAccess); a valid key or token is let in.
/// </summary>
[Collection(HttpSiloCollection.Name)]
public sealed class HttpAuthenticationTests(HttpSiloFixture silo)
{
    [Theory]
    [InlineData("/jobs/http-auth/checkpoints", null)]
    [InlineData("/jobs/http-auth/stop", "{\"drain\": false}")]
    public async Task An_unauthenticated_or_wrongly_keyed_POST_is_refused_with_401_and_changes_nothing(string path, string? body)
    {
        var info = await silo.StartWithCheckpointsAsync("http-auth", completed: 1);
        var before = await silo.Client.GetGrain<ICheckpointCoordinatorGrain>("http-auth").GetCheckpointCountsAsync();

        using var anonymous = await silo.Http.PostAsync(path, body is null ? null : new StringContent(body));
        using var wrongKey = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : new StringContent(body) };
        wrongKey.Headers.Add("X-Api-Key", "not-the-key-0123456789");
        using var wrong = await silo.Http.SendAsync(wrongKey);
        using var badToken = new HttpRequestMessage(HttpMethod.Post, path);
        badToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(Convert.ToBase64String(new byte[32])));
        using var forged = await silo.Http.SendAsync(badToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        var after = await silo.Client.GetGrain<IJobManagerGrain>("http-auth").GetInfoAsync();
        Assert.Equal(JobStatus.Running, after.Status);
        Assert.Equal(info.Generation, after.Generation);
        Assert.True((await silo.Client.GetGrain<ICheckpointCoordinatorGrain>("http-auth").GetCheckpointCountsAsync()).Triggered >= before.Triggered);
    }

    [Fact]
    public async Task Reads_and_metrics_need_no_credentials_by_default()
    {
        using var jobs = await silo.Http.GetAsync("/jobs");
        using var metrics = await silo.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task A_POST_with_the_API_key_or_a_signed_token_triggers_a_checkpoint_that_completes_on_every_instance()
    {
        var info = await silo.StartWithCheckpointsAsync("http-auth", completed: 1);
        var instances = info.Operators.Sum(o => o.Parallelism);
        var ids = new List<long>();
        for (var attempt = 0; ids.Count < 2 && attempt < 200; attempt++)
        {
            using var request = ids.Count == 0
                ? HttpSiloFixture.WithKey(HttpMethod.Post, "/jobs/http-auth/checkpoints")
                : new HttpRequestMessage(HttpMethod.Post, "/jobs/http-auth/checkpoints") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token(HttpSiloFixture.JwtSigningKey)) } };
            using var response = await silo.Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await Task.Delay(20); // one is in progress already (at most one at once)
                continue;
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checkpointId").GetInt64());
        }

        Assert.Equal(2, ids.Count);
        foreach (var id in ids)
        {
            await HttpSiloFixture.Until(
                async () => (await silo.Client.GetGrain<ICheckpointCoordinatorGrain>("http-auth").GetCheckpointsAsync()).Any(c => c.Id == id && c.Status == CheckpointStatus.Completed),
                $"checkpoint {id} completed");
            using var detail = await silo.Http.GetAsync($"/jobs/http-auth/checkpoints/{id}");
            var body = JsonDocument.Parse(await detail.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(instances, body.GetProperty("acknowledged").GetInt32());
            Assert.Equal(instances, body.GetProperty("instances").GetArrayLength());
        }
    }

    [Fact]
    public async Task Stop_refuses_a_bad_body_with_400_naming_the_problem_and_stops_with_a_good_one()
    {
        var info = await silo.StartWithCheckpointsAsync("http-stop", completed: 1);

        foreach (var (bad, named) in new[] { ("{\"drain\": \"yes\"}", "drain"), ("{\"drian\": true}", "drian"), ("not json", "drain") })
        {
            using var response = await silo.Http.SendAsync(HttpSiloFixture.WithKey(HttpMethod.Post, "/jobs/http-stop/stop", bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(JobStatus.Running, (await silo.Client.GetGrain<IJobManagerGrain>("http-stop").GetInfoAsync()).Status);
        using var stop = await silo.Http.SendAsync(HttpSiloFixture.WithKey(HttpMethod.Post, "/jobs/http-stop/stop", "{\"drain\": false}"));
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        Assert.Equal("stopped", JsonDocument.Parse(await stop.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        var after = await silo.Client.GetGrain<IJobManagerGrain>("http-stop").GetInfoAsync();
        Assert.Equal(JobStatus.Stopped, after.Status);
        Assert.Equal(info.Generation, after.Generation);
    }

    /// <summary>A JWT for the fixture's issuer, signed (HMAC-SHA256) with <paramref name="key"/>.</summary>
    private static string Token(string key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = HttpSiloFixture.JwtIssuer,
        Subject = new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("sub", "test-operator")]),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(key)), SecurityAlgorithms.HmacSha256),
    });
}
