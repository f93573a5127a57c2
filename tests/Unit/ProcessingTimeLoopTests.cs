using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// When a stream task's loop fires processing-time timers: between batches while busy, at the earliest timer's time
/// while idle, never at the end of the input. The task runs on an exclusive scheduler, as on its grain's, with a fake clock.
/// </summary>
public sealed class ProcessingTimeLoopTests : IAsyncDisposable
{
    private const long T0 = 1_700_000_000_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TaskScheduler _scheduler = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(T0));
    private readonly ConcurrentQueue<string> _log = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StreamTask _task;
    private readonly int _sourceVertex;
    private long _sequence;

    public ProcessingTimeLoopTests()
    {
        var job = new JobBuilder("loop");
        job.Source<(string Key, string Command, long Time)>("commands", _ => default)
            .KeyBy(c => c.Key)
            .Process("timers", () => new LoggingFunction(_log, _clock));
        var plan = PhysicalPlan.Build(job.Build(), 1, 128);
        _sourceVertex = plan["commands"].Index;
        _task = new StreamTask(
            new TaskDeployment(new TaskId("loop", "timers", 0), Generation: 1, Parallelism: 1, MaxParallelism: 128, Checkpointing: false),
            plan,
            grains: null!,
            results: null!,
            files: null!,
            snapshots: null!,
            checkpoints: null!,
            ingestLogs: _ => null!,
            new StreamTaskLimits(64, 4, 100, 1 << 20, 1 << 20, 1 << 20, TimeSpan.FromMinutes(1)),
            time: _clock);
    }

    [Fact]
    public async Task An_idle_instance_wakes_when_its_earliest_timer_is_due_and_not_before()
    {
        var run = OnLoop(() => _task.RunAsync(_stop.Token));
        await DeliverAsync(Batch(("a", "register", 500), ("b", "register", 300)));
        await UntilAsync("b registered");

        _clock.Advance(TimeSpan.FromMilliseconds(299));
        await Task.Delay(200);
        await OnLoop(() => Task.CompletedTask);
        Assert.DoesNotContain(_log, l => l.StartsWith("fired", StringComparison.Ordinal));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await UntilAsync("fired b@300 ProcessingTime");
        _clock.Advance(TimeSpan.FromMilliseconds(200));
        await UntilAsync("fired a@500 ProcessingTime");

        Assert.Equal(["a registered", "b registered", "fired b@300 ProcessingTime", "fired a@500 ProcessingTime"], _log);
        Assert.False(run.IsCompleted);
    }

    [Fact]
    public async Task A_busy_instance_fires_due_timers_between_batches_before_it_takes_the_next()
    {
        var run = OnLoop(() => _task.RunAsync(_stop.Token));

        // Both batches are queued before the loop takes the first; the first moves the clock past the timer it registers.
        await OnLoop(async () =>
        {
            await _task.DeliverAsync(Batch(("a", "register", 10), ("x", "tick", 20)), CancellationToken.None);
            await _task.DeliverAsync(Batch(("b", "note", 0)), CancellationToken.None);
        });
        await UntilAsync("b noted");

        Assert.Equal(["a registered", "x ticked", "fired a@10 ProcessingTime", "b noted"], _log);
        Assert.False(run.IsCompleted);
    }

    [Fact]
    public async Task A_timer_years_away_keeps_the_idle_instance_waiting_for_input_and_for_it()
    {
        var run = OnLoop(() => _task.RunAsync(_stop.Token));
        var years = (long)TimeSpan.FromDays(3 * 365).TotalMilliseconds;
        await DeliverAsync(Batch(("a", "register", years)));
        await UntilAsync("a registered");
        await DeliverAsync(Batch(("b", "note", 0)));
        await UntilAsync("b noted");

        _clock.Advance(TimeSpan.FromMilliseconds(years - 1)); // through several of the loop's longest waits
        await Task.Delay(200);
        Assert.DoesNotContain(_log, l => l.StartsWith("fired", StringComparison.Ordinal));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await UntilAsync($"fired a@{years} ProcessingTime");

        Assert.False(run.IsCompleted);
    }

    [Fact]
    public async Task Pending_processing_time_timers_do_not_fire_at_the_end_of_the_input_where_event_time_timers_do()
    {
        var run = OnLoop(() => _task.RunAsync(_stop.Token));
        await DeliverAsync(Batch(("a", "register", 100), ("a", "event", 100)));
        await DeliverAsync(End());

        await run.WaitAsync(Patience);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["a registered", "a registered event", "fired a@100 EventTime"], _log);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
    }

    private Task OnLoop(Func<Task> action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler).Unwrap();

    private Task DeliverAsync(ChannelBatch batch) => OnLoop(() => _task.DeliverAsync(batch, CancellationToken.None));

    private ChannelBatch<(string Key, string Command, long Time)> Batch(params (string Key, string Command, long Time)[] records) => new()
    {
        Generation = 1,
        SenderVertex = _sourceVertex,
        SenderPartition = 0,
        Sequence = ++_sequence,
        Records = [.. records.Select(r => new StreamRecord<(string, string, long)>((r.Key, r.Command, T0 + r.Time), long.MinValue))],
    };

    /// <summary>The channel's last batch: the input ends.</summary>
    private ChannelBatch<(string Key, string Command, long Time)> End() => new()
    {
        Generation = 1,
        SenderVertex = _sourceVertex,
        SenderPartition = 0,
        Sequence = ++_sequence,
        Records = [],
        EndOfInput = true,
    };

    private async Task UntilAsync(string line)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!_log.Contains(line))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{line}' never came; the log: {string.Join(" | ", _log)}");
            await Task.Delay(10);
        }
    }

    /// <summary>Logs what it does: registers timers at offsets from <see cref="T0"/>, moves the fake clock on ("tick"), notes a record.</summary>
    private sealed class LoggingFunction(ConcurrentQueue<string> log, FakeTimeProvider clock)
        : KeyedProcessFunction<string, (string Key, string Command, long Time), string>
    {
        public override void ProcessElement((string Key, string Command, long Time) value, IKeyedContext<string> context, ICollector<string> output)
        {
            switch (value.Command)
            {
                case "register":
                    context.RegisterProcessingTimeTimer(value.Time);
                    log.Enqueue($"{value.Key} registered");
                    break;
                case "event":
                    context.RegisterEventTimeTimer(value.Time);
                    log.Enqueue($"{value.Key} registered event");
                    break;
                case "tick":
                    clock.Advance(TimeSpan.FromMilliseconds(value.Time - T0));
                    log.Enqueue($"{value.Key} ticked");
                    break;
                default:
                    log.Enqueue($"{value.Key} noted");
                    break;
            }
        }

        public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<string> output) =>
            log.Enqueue($"fired {context.CurrentKey}@{timestamp - T0} {context.TimeDomain}");
    }
}
