using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// An incoming grain call filter (registered on every test silo) that makes channel deliveries between operator
/// instances fail on demand: either refused (the sender gets an error; nothing was delivered) or timed out (the
/// delivery goes on at the receiver, but the sender gets a <see cref="TimeoutException"/> at once, as when the
/// receiver waits for room longer than Orleans' response timeout). It also loses instances' reports that they
/// finished (<see cref="LoseFinishedReports"/>), as when the job manager's silo is unreachable at that moment.
/// </summary>
public static class FaultInjectingDeliveries
{
    private static readonly Lock ReportLock = new();
    private static Fault? _fault;
    private static (string Job, int Remaining)? _lostReports;
    private static (Func<string, long, bool> Match, TaskCompletionSource Released)? _heldTriggers;
    private static (string Job, long CheckpointId, string Task)? _lostAcknowledgements;
    private static int _reportsLost;

    /// <summary>Makes the next <paramref name="count"/> reports to <paramref name="job"/>'s manager that an instance finished fail, until the scope is disposed.</summary>
    public static IDisposable LoseFinishedReports(string job, int count)
    {
        (_lostReports, _reportsLost) = ((job, count), 0);
        return new ReportScope();
    }

    /// <summary>
    /// Holds back the checkpoint triggers that match <paramref name="match"/> (receiver key, checkpoint id) at their
    /// receiver until the scope is disposed; then they go on, after whatever came meanwhile.
    /// </summary>
    public static IDisposable HoldTriggers(Func<string, long, bool> match)
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _heldTriggers = (match, released);
        return new TriggerScope(released);
    }

    /// <summary>Loses the acknowledgements of <paramref name="checkpointId"/> that instance <paramref name="task"/> sends to <paramref name="job"/>'s coordinator, until the scope is disposed.</summary>
    public static IDisposable LoseAcknowledgements(string job, long checkpointId, string task)
    {
        _lostAcknowledgements = (job, checkpointId, task);
        return new AcknowledgementScope();
    }

    /// <summary>How many reports of finished instances were lost.</summary>
    public static int ReportsLost => Volatile.Read(ref _reportsLost);

    /// <summary>Makes the next <paramref name="count"/> deliveries to instances whose key matches fail, until the scope is disposed.</summary>
    public static IDisposable Fail(Func<string, bool> receiver, bool timeOut, int count = 1, int skip = 0)
    {
        var fault = new Fault(receiver, timeOut) { Remaining = count, Skip = skip };
        _fault = fault;
        return new Scope(fault);
    }

    /// <summary>How many deliveries the current fault failed.</summary>
    public static int Failed => _fault?.Failed ?? 0;

    private sealed record Fault(Func<string, bool> Receiver, bool TimeOut)
    {
        public int Skip;

        public int Remaining;

        public int Failed;
    }

    private sealed class Scope(Fault fault) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref _fault, null, fault);
    }

    private sealed class TriggerScope(TaskCompletionSource released) : IDisposable
    {
        public void Dispose()
        {
            _heldTriggers = null;
            released.TrySetResult();
        }
    }

    private sealed class AcknowledgementScope : IDisposable
    {
        public void Dispose() => _lostAcknowledgements = null;
    }

    private sealed class ReportScope : IDisposable
    {
        public void Dispose() => _lostReports = null;
    }

    /// <summary>The filter itself.</summary>
    internal sealed class Filter : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod?.Name == nameof(IJobManagerGateway.ReportFinishedAsync) && context.InterfaceMethod.DeclaringType == typeof(IJobManagerGateway))
            {
                return LoseReport(context);
            }

            if (context.InterfaceMethod?.Name == nameof(ICheckpointCoordinatorGateway.AcknowledgeCheckpointAsync) && _lostAcknowledgements is { } lost
                && lost.Job == context.TargetId.Key.ToString() && context.Request.GetArgument(1) is Messages.SnapshotHandle handle
                && handle.CheckpointId == lost.CheckpointId && handle.Task.GrainKey == lost.Task)
            {
                throw new IOException("injected failure: a checkpoint acknowledgement was lost");
            }

            if (context.InterfaceMethod?.Name == nameof(IOperatorGrain.TriggerCheckpointAsync) && context.InterfaceMethod.DeclaringType == typeof(IOperatorGrain) && _heldTriggers is { } held
                && held.Match(context.TargetId.Key.ToString()!, ((Messages.CheckpointBarrier)context.Request.GetArgument(1)!).CheckpointId))
            {
                return HoldAsync(context, held.Released.Task);
            }

            var fault = _fault;
            if (fault is null || context.InterfaceMethod?.Name != nameof(IOperatorGrain.DeliverAsync) || context.InterfaceMethod.DeclaringType != typeof(IOperatorGrain))
            {
                return context.Invoke();
            }

            var key = context.TargetId.Key.ToString();
            if (!fault.Receiver(key) || Interlocked.Decrement(ref fault.Skip) >= 0 || Interlocked.Decrement(ref fault.Remaining) < 0)
            {
                return context.Invoke();
            }

            Interlocked.Increment(ref fault.Failed);
            if (!fault.TimeOut)
            {
                throw new IOException($"injected failure of a delivery to {key}");
            }

            _ = context.Invoke(); // the receiver takes the batch; only its answer is lost
            throw new TimeoutException($"injected timeout of a delivery to {key}");
        }

        private static async Task HoldAsync(IIncomingGrainCallContext context, Task released)
        {
            await released;
            await context.Invoke();
        }

        private static Task LoseReport(IIncomingGrainCallContext context)
        {
            lock (ReportLock)
            {
                if (_lostReports is not { } lose || lose.Job != context.TargetId.Key.ToString() || lose.Remaining == 0)
                {
                    return context.Invoke();
                }

                _lostReports = (lose.Job, lose.Remaining - 1);
                _reportsLost++;
            }

            throw new IOException("injected failure: the report that an instance finished was lost");
        }
    }
}
