namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// A stream task's processing-time timers: the loop fires those due by the clock before it takes each batch, and while
/// it waits for input it also wakes when the earliest is due. Firing stays in the loop, on the grain's scheduler, so a
/// timer never runs beside a record; the clock's own callback only completes the wait.
/// </summary>
internal sealed partial class StreamTask
{
    /// <summary>The longest the idle loop waits for a timer at once (a timer may be years away; a delay cannot).</summary>
    private const long MaxWait = int.MaxValue;

    /// <summary>Fires what is due by the clock now, operator by operator along the chain, a slice at a time (as watermarks do).</summary>
    private async ValueTask FireProcessingTimersAsync()
    {
        if (NextProcessingTimer() is not { } next)
        {
            return;
        }

        var now = _context.ProcessingTime;
        if (next > now)
        {
            return;
        }

        foreach (var op in _chain)
        {
            while (!op.OnProcessingTime(now, _firingSlice))
            {
                await FlushAndSendAsync();
            }
        }

        await FlushAndSendAsync();
    }

    /// <summary>Waits until input arrives or the earliest processing-time timer is due (at once if it is).</summary>
    private async Task WaitForInputOrTimerAsync(CancellationToken cancellation)
    {
        var input = _gate.WaitForDataAsync(cancellation);
        if (input.IsCompleted || NextProcessingTimer() is not { } next)
        {
            await input;
            return;
        }

        var delay = next - _context.ProcessingTime;
        if (delay <= 0)
        {
            return;
        }

        using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var due = Task.Delay(TimeSpan.FromMilliseconds(Math.Min(delay, MaxWait)), _context.Time, wake.Token); // a later one: wait again
        if (await Task.WhenAny(input, due) == input)
        {
            wake.Cancel(); // the timer is not needed any more
            await input;
        }
    }

    /// <summary>The earliest processing-time timer of the chain; null if none is pending.</summary>
    private long? NextProcessingTimer()
    {
        long? next = null;
        foreach (var op in _chain)
        {
            if (op.NextProcessingTimer is { } time && (next is null || time < next))
            {
                next = time;
            }
        }

        return next;
    }

    /// <summary>Lets every operator of the chain publish what it collected (sinks), then sends the output (waiting for room).</summary>
    private async ValueTask FlushAndSendAsync()
    {
        foreach (var op in _chain)
        {
            await op.FlushAsync();
        }

        await SendAsync();
    }
}
