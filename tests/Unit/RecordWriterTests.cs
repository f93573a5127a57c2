using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>How the sending side of a channel treats a receiver that is not deployed for its generation yet.</summary>
public sealed class RecordWriterTests
{
    [Fact]
    public async Task A_batch_refused_because_the_receiver_is_not_deployed_yet_is_sent_again_until_it_is_taken()
    {
        var receiver = new RefusingReceiver(refusals: 3);
        var writer = Writer(receiver, CancellationToken.None);
        writer.Accept(7, 0);
        writer.FlushPartial();

        await writer.SendAsync();

        Assert.Equal(4, receiver.Attempts);
        var batch = Assert.Single(receiver.Taken);
        Assert.Equal(1, batch.Sequence); // the same batch each time
    }

    [Fact]
    public async Task A_sender_cancelled_while_its_receiver_is_not_deployed_stops_sending()
    {
        var receiver = new RefusingReceiver(refusals: int.MaxValue);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var writer = Writer(receiver, cancellation.Token);
        writer.Accept(7, 0);
        writer.FlushPartial();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(writer.SendAsync);
        Assert.Empty(receiver.Taken);
    }

    private static RecordWriter<long> Writer(IOperatorGrain receiver, CancellationToken cancellation)
    {
        var upstream = new JobBuilder("job").Source("numbers", long.Parse).Transformation;
        var output = new VertexOutput(1, "counts", 1, new InputEdge(upstream, Partitioning.Forward, null));
        return new RecordWriter<long>(new ChannelWriterSpec(new TaskId("job", "numbers", 0), 0, 5, output, 128, 16, _ => receiver, cancellation));
    }

    /// <summary>Refuses the first deliveries as an instance does whose deployment of the sender's generation has not been installed.</summary>
    private sealed class RefusingReceiver(int refusals) : IOperatorGrain
    {
        public int Attempts { get; private set; }

        public List<ChannelBatch> Taken { get; } = [];

        public Task DeliverAsync(ChannelBatch batch)
        {
            if (++Attempts <= refusals)
            {
                throw new InstanceNotReadyException(new TaskId("job", "counts", 0), batch.Generation, batch.Generation - 1);
            }

            Taken.Add(batch);
            return Task.CompletedTask;
        }

        public Task DeployAsync(TaskDeployment deployment) => throw new NotSupportedException();

        public Task DrainAsync(long generation, FinalCommit commit) => throw new NotSupportedException();

        public Task CancelAsync(long generation) => throw new NotSupportedException();

        public Task TriggerCheckpointAsync(long generation, CheckpointBarrier barrier) => throw new NotSupportedException();

        public Task NotifyCheckpointCompleteAsync(long generation, long checkpointId, long oldestRetained) => throw new NotSupportedException();

        public Task AbortCheckpointAsync(long generation, long checkpointId) => throw new NotSupportedException();

        public Task<string?> QueryAsync(string key) => throw new NotSupportedException();

        public Task<InstanceState> GetStateAsync(long generation) => throw new NotSupportedException();

        public Task<SiloAddress> GetSiloAsync() => throw new NotSupportedException();

        public Task<JobMetrics> GetMetricsAsync() => throw new NotSupportedException();

        public Task<InstanceMetrics> GetInstanceMetricsAsync() => throw new NotSupportedException();
    }
}
