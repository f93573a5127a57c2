namespace OrleansCheckpoint.Client.Push;

/// <summary>How to push: events per batch, and an optional cap on the wall-clock rate.</summary>
/// <param name="BatchSize">Consecutive input lines per pushed batch.</param>
/// <param name="EventsPerSecond">If set, pushing is throttled to about this many events per second.</param>
internal sealed record PushSettings(int BatchSize, double? EventsPerSecond = null)
{
    public const int DefaultBatchSize = 1000;
}

/// <summary>What a push achieved.</summary>
internal sealed record PushSummary(long Accepted, long Batches, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed > TimeSpan.Zero ? Accepted / Elapsed.TotalSeconds : 0;
}

/// <summary>A push stopped by <see cref="Exception.InnerException"/> (a rejected batch, a lost silo, Ctrl+C) after <see cref="Progress"/> (the events accepted so far).</summary>
internal sealed class PushFailedException(Exception cause, PushSummary progress) : Exception(cause.Message, cause)
{
    public PushSummary Progress { get; } = progress;
}
