using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Metrics;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The <c>System.Diagnostics.Metrics</c> instruments of the meter <c>OrleansCheckpoint</c>, as a listener sees them.</summary>
public sealed class CheckpointStatsTrackerTests
{
    private static readonly TaskId Source = new("job", "src", 0);
    private static readonly TaskId Sink = new("job", "sink", 0);

    [Fact]
    public async Task A_completed_and_an_aborted_checkpoint_are_measured_with_their_duration_size_alignment_and_job()
    {
        // A job name of its own: other tests in this process may record on the same (static) instruments meanwhile.
        var job = $"metrics-{Guid.NewGuid():N}";
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Job)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "OrleansCheckpoint")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, JobOf(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, JobOf(tags))));
        listener.Start();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new StreamMetrics(services.GetRequiredService<IMeterFactory>());
        var coordinator = new CheckpointCoordinator(
            new Instances([Source, Sink]), new CheckpointSettings(), 0, [], new CheckpointStatsTracker(job, time, [], metrics), time, NullLogger.Instance);

        var completed = (await coordinator.TriggerAsync())!.Value;
        time.Advance(TimeSpan.FromMilliseconds(250));
        await coordinator.AcknowledgeAsync(new SnapshotHandle(Source, completed, "chk", 1_000, "0123456789abcdef", 1, 2, 0));
        await coordinator.AcknowledgeAsync(new SnapshotHandle(Sink, completed, "chk", 234, "0123456789abcdef", 1, 2, 40));
        var aborted = (await coordinator.TriggerAsync())!.Value;
        await coordinator.DeclineAsync(Sink, aborted, "disk full");

        var ours = measurements.Where(m => m.Job == job).ToList();
        Assert.All(measurements.Where(m => m.Job is null), m => Assert.Fail($"{m.Instrument} recorded without the job tag"));
        Assert.Equal(
            new (string, double, string?)[]
            {
                ("orleanscheckpoint.checkpoint.alignment", 0, job),
                ("orleanscheckpoint.checkpoint.alignment", 40, job),
                ("orleanscheckpoint.checkpoints.completed", 1, job),
                ("orleanscheckpoint.checkpoint.duration", 250, job),
                ("orleanscheckpoint.checkpoint.size", 1_234, job),
                ("orleanscheckpoint.checkpoints.aborted", 1, job),
            },
            ours);
    }

    private static string? JobOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "job")
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    /// <summary>Just the instances of a job; nothing is stored or sent.</summary>
    private sealed class Instances(IReadOnlyCollection<TaskId> tasks) : ICheckpointEnvironment
    {
        public string Job => "job";

        public long Generation => 1;

        public IReadOnlyCollection<TaskId> Tasks => tasks;

        public IReadOnlyCollection<TaskId> Sources => [.. tasks.Take(1)];

        public Task TriggerSourcesAsync(CheckpointBarrier barrier) => Task.CompletedTask;

        public Task PersistTriggeredAsync(long checkpointId) => Task.CompletedTask;

        public Task<string> WriteManifestAsync(CheckpointManifest manifest) => Task.FromResult(SnapshotStore.ManifestStateName(manifest.CheckpointId));

        public Task PersistCompletedAsync(long lastCheckpointId, IReadOnlyList<CompletedCheckpoint> retained) => Task.CompletedTask;

        public Task<bool?> IsRecordedCompletedAsync(long checkpointId) => Task.FromResult<bool?>(false);

        public Task NotifyCompleteAsync(long checkpointId, long oldestRetained) => Task.CompletedTask;

        public Task NotifyAbortAsync(long checkpointId) => Task.CompletedTask;

        public Task DeleteCheckpointAsync(long checkpointId, IEnumerable<TaskId> tasks, string? manifestStateName, bool keepPieces = false) => Task.CompletedTask;

        public Task DeletePiecesAsync(IReadOnlyList<(TaskId Task, string Piece)> pieces) => Task.CompletedTask;

        public Task FailOverAsync(string reason) => Task.CompletedTask;

        public (int Parallelism, SnapshotLayout Layout) Layout => (1, new SnapshotLayout([]));

        public Task PersistSavepointAsync(CompletedCheckpoint savepoint) => Task.CompletedTask;

        public Task OnSavepointFinishedAsync(long savepointId, CompletedCheckpoint? completed, string? failure) => Task.CompletedTask;

        public bool IsSavepoint(long checkpointId) => false;
    }
}
