namespace OrleansCheckpoint.Errors;

/// <summary>
/// The base of the errors a client receives from the job runtime. Each message names the problem (the job,
/// the setting, the line) so it can be shown to a user as it is.
/// </summary>
[GenerateSerializer]
public class StreamJobException : Exception
{
    /// <summary>Creates the error with a message that names the problem.</summary>
    public StreamJobException(string message)
        : base(message)
    {
    }
}

/// <summary>No job of that name is registered in the silo.</summary>
[GenerateSerializer]
public sealed class JobNotFoundException : StreamJobException
{
    /// <summary>Creates the error for the unknown job <paramref name="job"/>.</summary>
    public JobNotFoundException(string job, IEnumerable<string> registered)
        : base($"No job named '{job}' is registered in the silo. Registered jobs: {string.Join(", ", registered.Order(StringComparer.Ordinal))}.")
        => Job = job;

    /// <summary>The name that was asked for.</summary>
    [Id(0)]
    public string Job { get; private set; }
}

/// <summary>The job exists but does not accept events: it is not running.</summary>
[GenerateSerializer]
public sealed class JobNotRunningException : StreamJobException
{
    /// <summary>Creates the error for <paramref name="job"/> in status <paramref name="status"/>.</summary>
    public JobNotRunningException(string job, string status)
        : base(status == "Restarting"
            ? $"Job '{job}' is restarting after a failure; retry shortly (a retried push is never counted twice)."
            : $"Job '{job}' is not running (status: {status}); start it with `client start {job}`.")
    {
        Job = job;
        Status = status;
    }

    /// <summary>The job.</summary>
    [Id(0)]
    public string Job { get; private set; }

    /// <summary>The job's status (a <c>JobStatus</c> name); <c>Restarting</c> means: retry.</summary>
    [Id(1)]
    public string Status { get; private set; }
}

/// <summary>A pushed batch held events that the source could not parse; none of the batch was accepted.</summary>
[GenerateSerializer]
public sealed class InvalidEventsException : StreamJobException
{
    /// <summary>Creates the error listing the rejected lines.</summary>
    public InvalidEventsException(string job, IReadOnlyList<EventError> errors)
        : base(Describe(job, errors)) => Errors = errors;

    /// <summary>The lines that were rejected and why (at most the first 20).</summary>
    [Id(0)]
    public IReadOnlyList<EventError> Errors { get; private set; }

    private static string Describe(string job, IReadOnlyList<EventError> errors)
    {
        var first = string.Join("; ", errors.Take(3).Select(e => $"line {e.Line}: {e.Reason}"));
        var more = errors.Count > 3 ? $" (and {errors.Count - 3} more)" : string.Empty;
        return $"Job '{job}' rejected a batch with {errors.Count} invalid event(s); nothing of that batch was accepted. {first}{more}";
    }
}

/// <summary>Why one line of a push was rejected.</summary>
/// <param name="Line">The line number in the producer's input.</param>
/// <param name="Reason">What is wrong with it.</param>
[GenerateSerializer, Immutable]
public sealed record EventError([property: Id(0)] long Line, [property: Id(1)] string Reason);

/// <summary>A pushed batch is larger than the source accepts; nothing of it was accepted.</summary>
[GenerateSerializer]
public sealed class BatchTooLargeException : StreamJobException
{
    /// <summary>Creates the error for a batch of <paramref name="events"/> events or <paramref name="bytes"/> bytes.</summary>
    public BatchTooLargeException(string job, int events, long bytes, int maxEvents, long maxBytes)
        : base($"A batch of {events} events ({bytes} bytes) pushed to job '{job}' exceeds the limit of {maxEvents} events and {maxBytes} bytes per batch " +
               "(OrleansCheckpoint:Ingest:MaxBatchEvents / MaxBatchBytes); split it into smaller batches.")
    {
    }
}

/// <summary>A job setting is not valid; the message names the setting.</summary>
[GenerateSerializer]
public class InvalidJobSettingsException : StreamJobException
{
    /// <summary>Creates the error.</summary>
    public InvalidJobSettingsException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// The checkpoint settings a job was to start with are not valid. <see cref="Problems"/> names each setting by its
/// <see cref="Messages.CheckpointSettings"/> property, so that a client can name its own option for it.
/// </summary>
[GenerateSerializer]
public sealed class InvalidCheckpointSettingsException : InvalidJobSettingsException
{
    /// <summary>Creates the error for <paramref name="job"/>.</summary>
    public InvalidCheckpointSettingsException(string job, IReadOnlyList<Messages.CheckpointSettingProblem> problems)
        : base($"Job '{job}' cannot start: its checkpoint settings are not valid: {string.Join("; ", problems.Select(p => $"{p.Setting} {p.Message}"))}.")
    {
        Job = job;
        Problems = problems;
    }

    /// <summary>The job.</summary>
    [Id(0)]
    public string Job { get; private set; }

    /// <summary>Each invalid setting and what is wrong with it.</summary>
    [Id(1)]
    public IReadOnlyList<Messages.CheckpointSettingProblem> Problems { get; private set; }
}

/// <summary>
/// A producer's push is not its next: a producer numbers its pushes 1, 2, 3, … and sends each once the one before it
/// was accepted (a retry of an earlier one is recognised as a duplicate). A gap means a push overtook an earlier one,
/// or the producer did not start at 1; the source refuses it rather than risk taking a batch never logged for a
/// retry. Nothing of the batch was accepted.
/// </summary>
[GenerateSerializer]
public sealed class PushOutOfOrderException : StreamJobException
{
    /// <summary>Creates the error for <paramref name="sequence"/> of <paramref name="producerId"/>, whose next is <paramref name="expected"/>.</summary>
    public PushOutOfOrderException(string producerId, long sequence, long expected)
        : base($"Push {sequence} of producer '{producerId}' is out of order: its next is {expected}. A producer numbers its pushes " +
               "1, 2, 3, … and sends each after the one before it was accepted.")
    {
        ProducerId = producerId;
        Sequence = sequence;
        Expected = expected;
    }

    /// <summary>The producer.</summary>
    [Id(0)]
    public string ProducerId { get; private set; }

    /// <summary>The refused batch's sequence.</summary>
    [Id(1)]
    public long Sequence { get; private set; }

    /// <summary>The sequence the source expected next from this producer.</summary>
    [Id(2)]
    public long Expected { get; private set; }
}

/// <summary>A checkpoint or savepoint id (or path) that the job does not have.</summary>
[GenerateSerializer]
public sealed class SnapshotNotFoundException : StreamJobException
{
    /// <summary>Creates the error; the message names the job, what was asked for and what exists.</summary>
    public SnapshotNotFoundException(string message)
        : base(message)
    {
    }
}

/// <summary>A snapshot cannot be restored into the job as it is now (state of a removed operator, a state whose type changed).</summary>
[GenerateSerializer]
public sealed class IncompatibleSnapshotException : StreamJobException
{
    /// <summary>Creates the error; the message names the operator and what does not match.</summary>
    public IncompatibleSnapshotException(string message)
        : base(message)
    {
    }
}
