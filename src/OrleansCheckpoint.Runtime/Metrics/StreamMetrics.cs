using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Metrics;

/// <summary>
/// The instruments of the meter <see cref="CheckpointMeter.Name"/> in one silo, made through <see cref="IMeterFactory"/>.
/// Job gauges (Flink's names: <c>lastCheckpointDuration</c>, <c>numRestarts</c>, …) read the jobs whose managers are
/// active here; instance gauges (<c>numRecordsIn</c>, <c>currentInputWatermark</c>, …) the instances running here.
/// Observable instruments cost nothing until an exporter collects them; the data path only bumps its own counters.
/// </summary>
internal sealed class StreamMetrics
{
    private readonly ConcurrentDictionary<string, JobGauges> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<TaskId, IInstanceMetricsSource> _instances = new();
    private readonly TimeProvider _time;

    public StreamMetrics(IMeterFactory meters, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var meter = meters.Create(CheckpointMeter.Name);

        // The runtime's first instruments, kept under their names.
        CheckpointsCompleted = meter.CreateCounter<long>("orleanscheckpoint.checkpoints.completed", description: "Checkpoints completed");
        CheckpointsAborted = meter.CreateCounter<long>("orleanscheckpoint.checkpoints.aborted", description: "Checkpoints aborted");
        CheckpointDuration = meter.CreateHistogram<double>("orleanscheckpoint.checkpoint.duration", "ms", "Trigger to completion");
        CheckpointSize = meter.CreateHistogram<long>("orleanscheckpoint.checkpoint.size", "By", "Bytes of a completed checkpoint");
        CheckpointAlignment = meter.CreateHistogram<double>("orleanscheckpoint.checkpoint.alignment", "ms", "Alignment time of an instance");

        // Ingest. (No units on the names a scrape shows as they are: Prometheus would append one.)
        EventsAccepted = meter.CreateCounter<long>(
            "numEventsAccepted", description: "Events a source accepted from pushes, durable in its ingest log");
        BytesLogged = meter.CreateCounter<long>("numBytesLogged", description: "Bytes (UTF-8) of the events a source logged");
        PushLatency = meter.CreateHistogram<double>(
            "pushLatency", description: "Milliseconds from a push reaching its source to its acknowledgement (durable)");
        StreamEventsDelivered = meter.CreateCounter<long>(
            "numStreamEventsDelivered",
            description: "Orleans stream events delivered to a job's stream source, by outcome: logged, duplicate (logged before: a redelivery) or parked (ahead of its producer's next number)");

        // Per job, with Flink's names.
        JobGauge(
            meter,
            "lastCheckpointDuration",
            "Milliseconds from trigger to completion of the last completed checkpoint",
            j => j.Checkpoints?.LastCompleted?.DurationMs);
        JobGauge(meter, "lastCheckpointSize", "Bytes the last completed checkpoint wrote", j => j.Checkpoints?.LastCompleted?.SizeBytes);
        JobGauge(
            meter,
            "lastCheckpointFullSize",
            "Bytes of the last completed checkpoint's full state, pieces shared with earlier checkpoints included",
            j => j.Checkpoints?.LastCompleted?.FullSizeBytes);
        JobGauge(
            meter,
            "numberOfCompletedCheckpoints",
            "Checkpoints completed since the job manager was activated",
            j => j.Checkpoints?.Counts.Completed);
        JobGauge(meter, "numberOfFailedCheckpoints", "Checkpoints aborted since the job manager was activated", j => j.Checkpoints?.Counts.Failed);
        JobGauge(meter, "numberOfInProgressCheckpoints", "Checkpoints in progress", j => j.Checkpoints?.Counts.InProgress);
        JobGauge(meter, "numRestarts", "Restarts after failures since the job was started", j => j.Restarts);
        JobGauge(
            meter,
            "restartingTime",
            "Milliseconds the restart under way has taken, or the last one took",
            j => j.RestartingTimeMs(_time.GetUtcNow()));

        // Per operator instance, with Flink's names.
        InstanceGauge(meter, "numRecordsIn", "Records an instance took in (a source: events accepted or generated)", m => m.RecordsIn);
        InstanceGauge(meter, "numRecordsOut", "Records an instance sent downstream (a sink: committed to its output)", m => m.RecordsOut);
        InstanceGauge(meter, "numRecordsInPerSecond", "Records in per second over about the last second", m => m.RecordsInPerSecond);
        InstanceGauge(meter, "numRecordsOutPerSecond", "Records out per second over about the last second", m => m.RecordsOutPerSecond);
        InstanceGauge(meter, "numDeadLetters", "Records a source could not parse and wrote to its dead-letter location", m => m.DeadLetters);
        InstanceGauge(
            meter,
            "currentInputWatermark",
            "An instance's watermark (ms since the epoch): the smallest over its inputs",
            m => m.CurrentInputWatermark);
        InstanceGauge(
            meter,
            "checkpointAlignmentTime",
            "Milliseconds an instance aligned its last acknowledged checkpoint",
            m => m.LastCheckpointAlignmentMs);
        InstanceGauge(
            meter,
            "backPressuredTimeMsPerSecond",
            "Milliseconds per second an instance waited for downstream instances to take its output",
            m => m.BackPressuredTimeMsPerSecond);
    }

    public Counter<long> CheckpointsCompleted { get; }

    public Counter<long> CheckpointsAborted { get; }

    public Histogram<double> CheckpointDuration { get; }

    public Histogram<long> CheckpointSize { get; }

    public Histogram<double> CheckpointAlignment { get; }

    public Counter<long> EventsAccepted { get; }

    public Counter<long> BytesLogged { get; }

    public Histogram<double> PushLatency { get; }

    /// <summary>Stream events delivered to a job's stream source, tagged with the job, the source and the outcome.</summary>
    public Counter<long> StreamEventsDelivered { get; }

    /// <summary>The gauges of <paramref name="job"/>, whose manager is now active on this silo.</summary>
    public JobGauges AddJob(string job) => _jobs[job] = new JobGauges(job);

    /// <summary>The job's manager left this silo (unless another activation registered since).</summary>
    public void RemoveJob(JobGauges gauges) => _jobs.TryRemove(new KeyValuePair<string, JobGauges>(gauges.Job, gauges));

    public void AddInstance(TaskId task, IInstanceMetricsSource source) => _instances[task] = source;

    public void RemoveInstance(TaskId task, IInstanceMetricsSource source) =>
        _instances.TryRemove(new KeyValuePair<TaskId, IInstanceMetricsSource>(task, source));

    /// <summary>The tags of an instance's measurements.</summary>
    public static System.Diagnostics.TagList Tags(TaskId task) =>
        new() { { "job", task.Job }, { "operator", task.Operator }, { "partition", task.Partition } };

    private void JobGauge(Meter meter, string name, string description, Func<JobGauges, double?> read) =>
        meter.CreateObservableGauge(name, () => _jobs.Values
            .Select(j => (Value: read(j), j.Job))
            .Where(v => v.Value is not null)
            .Select(v => new Measurement<double>(v.Value!.Value, new KeyValuePair<string, object?>("job", v.Job))), description: description);

    private void InstanceGauge(Meter meter, string name, string description, Func<InstanceMetrics, double?> read) =>
        meter.CreateObservableGauge(name, () => _instances.Values
            .Select(s => s.ReadMetrics())
            .Select(m => (Value: read(m), m.Task))
            .Where(v => v.Value is not null)
            .Select(v => new Measurement<double>(v.Value!.Value, Tags(v.Task))), description: description);
}
