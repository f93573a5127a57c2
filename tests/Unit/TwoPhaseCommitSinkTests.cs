using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.Sinks;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// A two-phase-commit sink's commits when several things ask for them at once: on a reentrant grain, the restore's
/// re-commit, completion notices and the end of the input can all be committing while a commit waits for storage.
/// </summary>
public sealed class TwoPhaseCommitSinkTests
{
    [Fact]
    public Task Completion_notices_that_overlap_while_a_commit_waits_commit_each_transaction_once_in_order() => OneAtATime(async () =>
    {
        var sink = Open();
        sink.Accept(1, 0);
        sink.SnapshotState(1);
        sink.Accept(2, 0);
        sink.SnapshotState(2);

        var first = sink.NotifyCheckpointCompleteAsync(2);
        var second = sink.NotifyCheckpointCompleteAsync(2); // a notice sent again, or the next checkpoint's
        await sink.ReleaseAsync(1);
        await sink.ReleaseAsync(2);
        await sink.ReleaseAllAsync();
        await Task.WhenAll(first, second);

        Assert.Equal([(1L, new long[] { 1 }), (2L, new long[] { 2 })], sink.Commits.Select(c => (c.Id, c.Values)));
    });

    [Fact]
    public Task The_end_of_the_input_while_a_completion_notice_commits_commits_every_record_once() => OneAtATime(async () =>
    {
        var sink = Open();
        sink.Accept(1, 0);
        sink.SnapshotState(1);
        sink.Accept(2, 0);

        var notice = sink.NotifyCheckpointCompleteAsync(1);
        var end = sink.EndOfInputAsync(); // no drain: everything left is committed above the ids used
        await sink.ReleaseAllAsync();
        await Task.WhenAll(notice, end);

        Assert.Equal([1L, 2L], sink.Commits.SelectMany(c => c.Values).Order());
        Assert.Single(sink.Commits, c => c.Values.Contains(1));
    });

    [Fact]
    public Task After_a_rescale_a_sink_commits_the_pending_transactions_it_inherited_under_their_former_partition_and_keeps_them_until_committed() => OneAtATime(async () =>
    {
        // Two former instances, each with a transaction pre-committed in checkpoint 7 (its snapshot), not yet committed.
        var former = new[] { Open(), Open() };
        former[0].Accept(10, 0);
        former[1].Accept(11, 0);
        var states = former.Select(f => f.SnapshotState(7)).ToList();

        var sink = Open();
        sink.RestoreState(states[0]);
        sink.RestoreStateOf(1, states[1]);
        Assert.Contains(1, ((TwoPhaseCommitState<List<long>>)sink.SnapshotState(8)).Inherited!.Keys); // a checkpoint before the commit keeps it

        await sink.ReleaseAllAsync();
        await sink.OnRestoredAsync();

        Assert.Equal([(1, 7L, 11L), (0, 7L, 10L)], sink.Partitions.Zip(sink.Commits, (p, c) => (p, c.Id, c.Values.Single())));
        Assert.Null(((TwoPhaseCommitState<List<long>>)sink.SnapshotState(9)).Inherited);
    });

    /// <summary>Runs <paramref name="test"/> as a grain runs: one piece at a time, on one scheduler.</summary>
    private static Task OneAtATime(Func<Task> test) =>
        Task.Factory.StartNew(test, CancellationToken.None, TaskCreationOptions.None, new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Unwrap();

    private static GatedSink Open()
    {
        var sink = new GatedSink(new JobBuilder("job").Source("numbers", long.Parse).ToFiles("sink").Transformation);
        sink.Open(new OperatorContext(new TaskId("job", "numbers", 0), 128, new KeyGroupRange(0, 127), null!, null!, null!, checkpointing: true));
        return sink;
    }

    /// <summary>A sink whose commits each wait until the test releases them.</summary>
    private sealed class GatedSink(Transformation transformation) : TwoPhaseCommitSink<long, List<long>>(transformation)
    {
        private readonly List<(long Id, TaskCompletionSource Gate)> _waiting = [];
        private bool _open;

        public List<(long Id, long[] Values)> Commits { get; } = [];

        public List<int> Partitions { get; } = [];

        /// <summary>Lets the first waiting commit of <paramref name="id"/> go on (waiting until one is there).</summary>
        public async Task ReleaseAsync(long id)
        {
            for (var i = 0; i < 200; i++)
            {
                var waiting = _waiting.FindIndex(w => w.Id == id);
                if (waiting >= 0)
                {
                    var gate = _waiting[waiting].Gate;
                    _waiting.RemoveAt(waiting);
                    gate.SetResult();
                    await Task.Yield();
                    return;
                }

                await Task.Delay(5);
            }
        }

        /// <summary>Lets every commit go on, now and from now on.</summary>
        public async Task ReleaseAllAsync()
        {
            _open = true;
            foreach (var (_, gate) in _waiting)
            {
                gate.TrySetResult();
            }

            _waiting.Clear();
            await Task.Delay(50);
        }

        protected override List<long> Begin() => [];

        protected override void Stage(List<long> transaction, long value) => transaction.Add(value);

        protected override bool IsEmpty(List<long> transaction) => transaction.Count == 0;

        protected override void Append(List<long> into, List<long> later) => into.AddRange(later);

        protected override async Task CommitAsync(int partition, long checkpointId, bool final, List<long> transaction)
        {
            if (!_open)
            {
                var gate = new TaskCompletionSource();
                _waiting.Add((checkpointId, gate));
                await gate.Task;
            }

            Commits.Add((checkpointId, [.. transaction]));
            Partitions.Add(partition);
        }
    }
}
