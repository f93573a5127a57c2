using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Every type that crosses a silo or client boundary round-trips through the silo's Orleans serializer
/// (a type without a codec compiles, then fails at runtime only when a call happens to cross silos).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MessageSerializationTests(ClusterFixture fixture)
{
    public static TheoryData<object> Messages() => new()
    {
        new ChannelBatch<Request>
        {
            Generation = 3, SenderVertex = 1, SenderPartition = 2, Sequence = 9, Watermark = 1_000, EndOfInput = true,
            Records = [new(new Request("/api/orders", "u1", RequestGenerator.Start), 17)],
        },
        new ChannelBatch<KeyedValue<string, long>> { Generation = 1, SenderVertex = 0, SenderPartition = 0, Sequence = 1, Records = [new(new("k", 5), 1)] },
        new TaskDeployment(new TaskId("job", "op", 3), 4, 2, 128),
        new PushBatch("producer", 7, 41, ["{}", "{\"a\":1}"]),
        new PushRoute("job", "src", 2, 10_000),
        new JobInfo("job", JobStatus.Failed, 2, 5, DateTimeOffset.UnixEpoch, "why", [new OperatorInfo("op", ["op", "sink"], 2)]),
        new JobMetrics(1, 2, 3, 4, DeadLetters: 5, LateRecordsSideOutput: 6),
        new InstanceMetrics(new TaskId("job", "src", 0), Running: true, RecordsIn: 3, DeadLetters: 2),
        new QueryResult("k", "42"),
        new ResultBatch("sink", 1, ["{\"key\":\"k\"}"]),
        new WindowResult<string, long>("k", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(10), 3),
        new Tally("k", 5, 3),
        new KeyTotal("k", 15, 3, "ProcessingTime"),
        new TallyState(10, 2, 3),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_round_trips_with_its_content(object message)
    {
        var copy = RoundTrip(message);

        Assert.Equal(message.GetType(), copy.GetType());
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(message, message.GetType()), System.Text.Json.JsonSerializer.Serialize(copy, copy.GetType()));
    }

    [Fact]
    public void Errors_round_trip_with_their_type_message_and_details()
    {
        var invalid = new InvalidEventsException("job", [new EventError(42, "bad")]);
        var copies = new Exception[]
        {
            invalid, new JobNotFoundException("x", ["a"]), new JobNotRunningException("x", "Stopped"),
            new BatchTooLargeException("x", 5, 10, 4, 8), new InvalidJobSettingsException("setting"), new InvalidJobGraphException("graph"),
            new InvalidCheckpointSettingsException("x", [new CheckpointSettingProblem("Interval", "must be at least 10 ms (got 0 ms)")]),
        }.Select(e => (e, copy: (Exception)RoundTrip(e))).ToList();

        Assert.All(copies, pair => Assert.Equal((pair.e.GetType(), pair.e.Message), (pair.copy.GetType(), pair.copy.Message)));
        Assert.Equal(42, ((InvalidEventsException)copies[0].copy).Errors.Single().Line);
        Assert.Equal(new CheckpointSettingProblem("Interval", "must be at least 10 ms (got 0 ms)"), ((InvalidCheckpointSettingsException)copies[^1].copy).Problems.Single());
    }

    private object RoundTrip(object value)
    {
        var serializer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>();
        return serializer.Deserialize<object>(serializer.SerializeToArray<object>(value))!;
    }
}
