using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using Xunit;
using static OrleansCheckpoint.Tests.Unit.FakeCheckpointEnvironment;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>Savepoints in the coordinator: recorded outside retention, never subsumed nor swept as orphans, and their failures are not the job's.</summary>
public sealed class CoordinatorSavepointTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly FakeCheckpointEnvironment _environment = new();

    [Fact]
    public async Task A_completed_savepoint_is_recorded_as_a_savepoint_with_its_manifest_and_is_neither_retained_nor_announced()
    {
        var coordinator = Coordinator(new CheckpointSettings { Retained = 1 });

        var id = await coordinator.TriggerSavepointAsync(stop: false);
        await coordinator.AcknowledgeAsync(Handle(Source, id));
        await coordinator.AcknowledgeAsync(Handle(Sink, id));

        var savepoint = Assert.Single(_environment.Savepoints);
        Assert.Equal((id, SnapshotKind.Savepoint, false), (savepoint.Id, savepoint.Kind, savepoint.Stopped));
        Assert.Equal(SnapshotKind.Savepoint, _environment.Manifests.Single().Kind);
        Assert.Equal(["sink", "src"], _environment.Manifests.Single().Layout!.Vertices.Keys.Order());
        Assert.Same(savepoint, _environment.SavepointOutcomes[id].Completed);
        Assert.Empty(_environment.Retained);
        Assert.Empty(_environment.Completed); // no completion notice: sinks commit with the next checkpoint
        Assert.Null(coordinator.LatestCompleted);
        Assert.Equal(SnapshotKind.Savepoint, coordinator.Stats.Recent().Single().Kind);
    }

    [Fact]
    public async Task No_checkpoint_starts_while_a_savepoint_is_under_way_one_in_flight_before_it_neither_subsumes_it_and_the_orphan_sweep_passes_it_over()
    {
        var coordinator = Coordinator(new CheckpointSettings { MaxConcurrent = 3, Retained = 1 });
        var checkpoint = (await coordinator.TriggerAsync())!.Value;
        var savepoint = await coordinator.TriggerSavepointAsync(stop: false);
        Assert.Null(await coordinator.TriggerAsync()); // a newer barrier would overtake the savepoint's (a stop's sources may still be queuing)

        await coordinator.AcknowledgeAsync(Handle(Source, checkpoint));
        await coordinator.AcknowledgeAsync(Handle(Sink, checkpoint));
        Assert.DoesNotContain(savepoint, _environment.Aborted);
        Assert.DoesNotContain(_environment.Deleted, d => d.Id == savepoint);

        await coordinator.AcknowledgeAsync(Handle(Source, savepoint));
        await coordinator.AcknowledgeAsync(Handle(Sink, savepoint));
        Assert.Equal(savepoint, _environment.Savepoints.Single().Id);

        // The next checkpoint's sweep of the ids between completed checkpoints passes over the savepoint's.
        var next = (await coordinator.TriggerAsync())!.Value;
        await coordinator.AcknowledgeAsync(Handle(Source, next));
        await coordinator.AcknowledgeAsync(Handle(Sink, next));
        Assert.DoesNotContain(_environment.Deleted, d => d.Id == savepoint);
        Assert.Contains(_environment.Deleted, d => d.Id == checkpoint); // evicted by retention, as usual
    }

    [Fact]
    public async Task No_checkpoint_is_triggered_on_the_interval_while_a_savepoint_is_under_way_and_a_second_savepoint_is_refused()
    {
        var coordinator = Coordinator(new CheckpointSettings { Interval = TimeSpan.FromSeconds(1), MaxConcurrent = 3 });
        var savepoint = await coordinator.TriggerSavepointAsync(stop: true);

        _time.Advance(TimeSpan.FromSeconds(5));
        await coordinator.TickAsync();
        Assert.Equal(savepoint, coordinator.LastCheckpointId);
        var refused = await Assert.ThrowsAsync<OrleansCheckpoint.Errors.StreamJobException>(() => coordinator.TriggerSavepointAsync(stop: false));
        Assert.Contains($"savepoint {savepoint} already", refused.Message);
    }

    [Fact]
    public async Task A_savepoint_that_fails_tells_its_waiter_why_deletes_its_files_and_does_not_count_against_the_tolerated_checkpoint_failures()
    {
        var coordinator = Coordinator(new CheckpointSettings { TolerableFailures = 0 });
        var id = await coordinator.TriggerSavepointAsync(stop: true);

        await coordinator.DeclineAsync(Sink, id, "the storage write failed");

        Assert.Contains("the storage write failed", _environment.SavepointOutcomes[id].Failure);
        Assert.Contains((id, Sink), _environment.Deleted);
        Assert.Equal([id], _environment.Aborted); // sources hear of it: a stop's source takes pushes again
        Assert.Null(_environment.FailureReason);
        Assert.Empty(_environment.Savepoints);
    }

    private CheckpointCoordinator Coordinator(CheckpointSettings settings) =>
        new(_environment, settings, 0, [], new CheckpointStatsTracker("job", _time, []), _time, NullLogger.Instance);

    private static SnapshotHandle Handle(TaskId task, long id) => new(task, id, SnapshotStore.SnapshotStateName(id), 10, "0123456789abcdef", 0.1, 1, 0);
}
