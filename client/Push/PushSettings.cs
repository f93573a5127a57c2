namespace OrleansCheckpoint.Cli.Push;

/// <summary>How to push: events per batch, an optional cap on the wall-clock rate, and how long to retry a failed push.</summary>
/// <param name="BatchSize">Consecutive input lines per pushed batch.</param>
/// <param name="EventsPerSecond">If set, pushing is throttled to about this many events per second.</param>
/// <param name="RetryFor">How long a failed push is retried, from its first failure (zero: not at all); see <see cref="PushRetryPolicy"/>.</param>
internal sealed record PushSettings(int BatchSize, double? EventsPerSecond = null, TimeSpan? RetryFor = null)
{
    /// <summary>
    /// The producer's identity: partition p pushes as <c>{ProducerId}-{p}</c>, sequences from 1. A push of the same
    /// input with the same identity, batch size and parallelism sends every batch with the identity it had before,
    /// so the sources recognise what they already logged. Unset: a fresh identity per push.
    /// </summary>
    public string? ProducerId { get; init; }

    public const int DefaultBatchSize = 1000;

    public static readonly TimeSpan DefaultRetryFor = TimeSpan.FromSeconds(60);

    public PushRetryPolicy RetryPolicy => new(RetryFor ?? DefaultRetryFor);
}

/// <summary>What a push achieved.</summary>
/// <param name="Accepted">Events acknowledged (each once, also when a retry was acknowledged as a duplicate).</param>
/// <param name="Batches">Batches acknowledged.</param>
/// <param name="Retries">Pushes that were attempted again after a failure.</param>
/// <param name="Duplicates">Batches acknowledged as duplicates: a retry of a push whose first attempt had been logged after all.</param>
/// <param name="Elapsed">From the first push to the last acknowledgement.</param>
internal sealed record PushSummary(long Accepted, long Batches, long Retries, long Duplicates, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed > TimeSpan.Zero ? Accepted / Elapsed.TotalSeconds : 0;
}

/// <summary>A push stopped by <see cref="Exception.InnerException"/> (a rejected batch, a lost silo, Ctrl+C) after <see cref="Progress"/> (the events accepted so far).</summary>
internal sealed class PushFailedException(Exception cause, PushSummary progress, string? producerId = null) : Exception(cause.Message, cause)
{
    public PushSummary Progress { get; } = progress;

    /// <summary>The push's producer identity: pushing the same input again under it logs only what was not logged.</summary>
    public string? ProducerId { get; } = producerId;
}
