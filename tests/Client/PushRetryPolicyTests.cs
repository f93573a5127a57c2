using Orleans.Runtime.Messaging;
using Orleans.Serialization;
using OrleansCheckpoint.Errors;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>Which failed pushes the client retries, and how long it waits in between.</summary>
public sealed class PushRetryPolicyTests
{
    private static readonly PushRetryPolicy Policy = new(TimeSpan.FromSeconds(60));

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(3, 800)]
    [InlineData(4, 1600)]
    [InlineData(5, 2000)]
    [InlineData(50, 2000)]
    public void The_wait_starts_at_100_ms_and_doubles_up_to_2_s(int retries, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Policy.NextDelay(retries, TimeSpan.FromSeconds(1)));

    [Fact]
    public void The_last_wait_ends_at_the_deadline_and_after_it_there_is_none()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(300), Policy.NextDelay(10, TimeSpan.FromSeconds(59.7)));
        Assert.Null(Policy.NextDelay(10, TimeSpan.FromSeconds(60)));
        Assert.Null(Policy.NextDelay(0, TimeSpan.FromSeconds(61)));
        Assert.Null(new PushRetryPolicy(TimeSpan.Zero).NextDelay(0, TimeSpan.Zero));
    }

    public static TheoryData<Exception> Retryable => new()
    {
        new JobNotRunningException("cli", "Restarting"),
        new StreamJobException("Operator instance cli/source/0 of job 'cli' failed: boom"),
        new TimeoutException("Response did not arrive on time"),
        new SiloUnavailableException("The target silo became unavailable"),
        new ConnectionFailedException("Connection refused"),
        new OrleansException("wrapped", new JobNotRunningException("cli", "Restarting")),
        new InvalidOperationException("a storage error on the silo"),
    };

    public static TheoryData<Exception> NotRetryable => new()
    {
        new InvalidEventsException("cli", [new EventError(3, "not JSON")]),
        new BatchTooLargeException("cli", 5000, 1, 2000, 1),
        new JobNotFoundException("nope", ["cli"]),
        new JobNotRunningException("cli", "Stopped"),
        new JobNotRunningException("cli", "Draining"),
        new JobNotRunningException("cli", "Failed"),
        new AggregateException(new JobNotRunningException("cli", "Finished")),
        new ClientException("--batch-size 5000 is not valid"),
        new OperationCanceledException(),
        new CodecNotFoundException("no codec"),
    };

    [Theory]
    [MemberData(nameof(Retryable))]
    public void Errors_another_attempt_may_not_meet_are_retried(Exception error) => Assert.True(PushRetryPolicy.IsRetryable(error));

    [Theory]
    [MemberData(nameof(NotRetryable))]
    public void Refused_batches_absent_or_stopped_jobs_and_client_errors_are_not(Exception error) => Assert.False(PushRetryPolicy.IsRetryable(error));

    [Fact]
    public async Task A_call_is_made_again_after_each_retryable_failure_until_it_succeeds()
    {
        var attempts = 0;
        var retries = new List<int>();

        var result = await Policy.ExecuteAsync(
            () => ++attempts < 3 ? throw new JobNotRunningException("cli", "Restarting") : Task.FromResult("route"),
            (_, retry) => retries.Add(retry),
            CancellationToken.None);

        Assert.Equal("route", result);
        Assert.Equal(3, attempts);
        Assert.Equal([1, 2], retries);
    }

    [Fact]
    public async Task A_call_that_fails_for_good_is_made_once_and_its_error_thrown()
    {
        var attempts = 0;

        var error = await Assert.ThrowsAsync<JobNotRunningException>(() => Policy.ExecuteAsync<string>(
            () => { attempts++; throw new JobNotRunningException("cli", "Stopped"); },
            (_, _) => Assert.Fail("no retry expected"),
            CancellationToken.None));

        Assert.Equal("Stopped", error.Status);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_push_the_silo_cancelled_is_retried_but_a_cancelled_push_is_not()
    {
        var attempts = 0;
        var retries = new List<int>();
        var result = await new PushRetryPolicy(TimeSpan.FromSeconds(5)).ExecuteAsync(
            () => ++attempts == 1 ? throw new TaskCanceledException("the source instance was cancelled by a recovery") : Task.FromResult(attempts),
            (_, retry) => retries.Add(retry),
            CancellationToken.None);
        Assert.Equal(2, result);
        Assert.Equal([1], retries);

        var givenUp = await Assert.ThrowsAsync<ClientException>(() => new PushRetryPolicy(TimeSpan.FromMilliseconds(200)).ExecuteAsync<int>(
            () => throw new TaskCanceledException("the source instance was cancelled by a recovery"), null, CancellationToken.None));
        Assert.Equal("the job's source cancelled the push (the job was rolling back) and did not accept it again within 200 ms (--retry-for)", givenUp.Message);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new PushRetryPolicy(TimeSpan.FromSeconds(5)).ExecuteAsync<int>(() => throw new OperationCanceledException(cancelled.Token), null, cancelled.Token));
    }
}
