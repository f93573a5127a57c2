using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// One deployment (generation) of an operator instance, as Flink's Execution is one attempt of a task: the task, the
/// loop that runs it, the cancellation that stops it, and how it failed. An operator grain runs at most one at a time;
/// a message of another generation never reaches it.
/// </summary>
internal sealed class TaskExecution
{
    private readonly CancellationTokenSource _cancellation = new();
    private Task? _loop;

    public TaskExecution(long generation, Func<CancellationToken, StreamTask> create)
    {
        Generation = generation;
        StreamTask = create(_cancellation.Token);
    }

    public long Generation { get; }

    public StreamTask StreamTask { get; }

    /// <summary>Cancelled when the execution stops: its loop, its sends and its pushes end.</summary>
    public CancellationToken Cancellation => _cancellation.Token;

    /// <summary>Why its loop failed, once it did.</summary>
    public string? Failure { get; private set; }

    /// <summary>Whether it processed its whole input (a drain, or a generator's end).</summary>
    public bool Finished => StreamTask.Finished;

    /// <summary>What the instance says of this generation when asked (a heartbeat).</summary>
    public InstanceState State =>
        Failure is not null || _loop is null || Cancellation.IsCancellationRequested ? InstanceState.NotRunning
        : _loop.IsCompletedSuccessfully ? InstanceState.Finished
        : InstanceState.Running;

    /// <summary>Starts the loop and returns it (the grain reports how it ends).</summary>
    public Task Start()
    {
        StreamTask.OnStarted();
        return _loop = StreamTask.RunAsync(Cancellation);
    }

    public void Fail(string reason) => Failure ??= reason;

    /// <summary>Cancels the loop and waits until it has ended (cancelled, or failed: the grain reported that already).</summary>
    public async Task StopAsync()
    {
        await _cancellation.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (Exception)
            {
                // cancelled, or failed
            }
        }
    }
}
