using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class CheckpointCoordinatorTests
{
    private static readonly TaskId Source = new("job", "src", 0);
    private static readonly TaskId Sink = new("job", "sink", 0);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-25T00:00:00Z"));
    private readonly FakeCheckpointEnvironment _environment = new();

    [Fact]
    public async Task A_checkpoint_completes_when_the_last_instance_acknowledges_and_is_persisted_and_announced_once()
    {
        var coordinator = Coordinator(new CheckpointSettings());

        var id = await coordinator.TriggerAsync();
        Assert.Equal(AcknowledgeResult.Success, await coordinator.AcknowledgeAsync(Handle(Source, id!.Value)));
        Assert.Empty(_environment.Completed);
        Assert.Equal(AcknowledgeResult.Success, await coordinator.AcknowledgeAsync(Handle(Sink, id.Value)));

        Assert.Equal([1L], _environment.Completed);
        Assert.Equal(1, _environment.Manifests.Single().CheckpointId);
        Assert.Equal([Sink, Source], _environment.Manifests.Single().Snapshots.Select(s => s.Task));
        Assert.Equal(1, coordinator.LatestCompleted!.Id);
        Assert.Equal(CheckpointStatus.Completed, coordinator.Stats.Recent().Single().Status);
    }

    [Fact]
    public async Task A_duplicate_acknowledgement_is_not_counted_twice_and_a_late_one_does_not_complete_the_checkpoint_again()
    {
        var coordinator = Coordinator(new CheckpointSettings());
        var id = (await coordinator.TriggerAsync())!.Value;

        await coordinator.AcknowledgeAsync(Handle(Source, id));
        Assert.Equal(AcknowledgeResult.Duplicate, await coordinator.AcknowledgeAsync(Handle(Source, id)));
        Assert.Empty(_environment.Completed);
        await coordinator.AcknowledgeAsync(Handle(Sink, id));
        Assert.Equal(AcknowledgeResult.Discarded, await coordinator.AcknowledgeAsync(Handle(Sink, id)));
        Assert.Equal(AcknowledgeResult.Unknown, await coordinator.AcknowledgeAsync(Handle(Sink, 99)));

        Assert.Equal([id], _environment.Completed);
        Assert.Empty(_environment.Deleted); // the completed checkpoint's files are not touched by the late acknowledgement
    }

    [Fact]
    public async Task A_timed_out_checkpoint_is_aborted_its_files_deleted_and_a_late_acknowledgement_does_not_resurrect_it()
    {
        var coordinator = Coordinator(new CheckpointSettings { Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(2) });
        var id = (await coordinator.TriggerAsync())!.Value;
        await coordinator.AcknowledgeAsync(Handle(Source, id));

        _time.Advance(TimeSpan.FromSeconds(2));
        await coordinator.TickAsync();

        Assert.Equal([id], _environment.Aborted);
        Assert.Contains((id, Source), _environment.Deleted);
        Assert.Contains((id, Sink), _environment.Deleted);
        var stats = coordinator.Stats.Recent();
        Assert.Equal(CheckpointStatus.Aborted, stats.Single(s => s.Id == id).Status);
        Assert.Contains("timed out", stats.Single(s => s.Id == id).FailureReason);

        _environment.Deleted.Clear();
        Assert.Equal(AcknowledgeResult.Discarded, await coordinator.AcknowledgeAsync(Handle(Sink, id)));
        Assert.Empty(_environment.Completed);
        Assert.Equal([(id, Sink)], _environment.Deleted); // the late snapshot is removed
        Assert.Equal(2, coordinator.LastCheckpointId); // the same tick triggered the next one
        Assert.Null(await coordinator.TriggerAsync()); // which is in progress: one at a time
    }

    [Fact]
    public async Task Triggers_respect_the_interval_the_minimum_pause_and_the_concurrency_limit()
    {
        var coordinator = Coordinator(new CheckpointSettings { Interval = TimeSpan.FromSeconds(1), MinPause = TimeSpan.FromSeconds(3), MaxConcurrent = 1 });

        await coordinator.TickAsync();
        Assert.Equal(0, coordinator.LastCheckpointId); // the first one comes an interval after the start
        _time.Advance(TimeSpan.FromSeconds(1));
        await coordinator.TickAsync();
        Assert.Equal(1, coordinator.LastCheckpointId);
        _time.Advance(TimeSpan.FromSeconds(1));
        await coordinator.TickAsync();
        Assert.Equal(1, coordinator.LastCheckpointId); // one in progress at most

        await coordinator.AcknowledgeAsync(Handle(Source, 1));
        await coordinator.AcknowledgeAsync(Handle(Sink, 1));
        _time.Advance(TimeSpan.FromSeconds(2));
        await coordinator.TickAsync();
        Assert.Equal(1, coordinator.LastCheckpointId); // 2 s after completion: still in the minimum pause
        _time.Advance(TimeSpan.FromSeconds(1));
        await coordinator.TickAsync();
        Assert.Equal(2, coordinator.LastCheckpointId);
    }

    [Fact]
    public async Task Only_the_retained_number_of_completed_checkpoints_is_kept_and_older_ones_are_deleted()
    {
        var coordinator = Coordinator(new CheckpointSettings { Retained = 2 });

        for (var i = 0; i < 3; i++)
        {
            var id = (await coordinator.TriggerAsync())!.Value;
            await coordinator.AcknowledgeAsync(Handle(Source, id));
            await coordinator.AcknowledgeAsync(Handle(Sink, id));
        }

        Assert.Equal([2L, 3L], _environment.Retained.Select(c => c.Id));
        Assert.Equal(new HashSet<(long, TaskId)> { (1L, Sink), (1L, Source) }, _environment.Deleted.ToHashSet());
        Assert.Equal(["manifest-0000000001"], _environment.DeletedManifests);
    }

    [Fact]
    public async Task Declines_beyond_the_tolerated_number_fail_the_job_and_a_success_resets_the_count()
    {
        var coordinator = Coordinator(new CheckpointSettings { TolerableFailures = 1 });

        await coordinator.DeclineAsync(Sink, (await coordinator.TriggerAsync())!.Value, "disk full");
        var id = (await coordinator.TriggerAsync())!.Value;
        await coordinator.AcknowledgeAsync(Handle(Source, id));
        await coordinator.AcknowledgeAsync(Handle(Sink, id));
        await coordinator.DeclineAsync(Sink, (await coordinator.TriggerAsync())!.Value, "disk full");
        Assert.Null(_environment.FailureReason);
        await coordinator.DeclineAsync(Sink, (await coordinator.TriggerAsync())!.Value, "disk full");

        Assert.Contains("2 consecutive checkpoints failed, more than the 1 tolerated", _environment.FailureReason);
        Assert.Contains("declined by job/sink/0: disk full", _environment.FailureReason);
    }

    [Fact]
    public async Task A_completion_write_whose_answer_was_lost_after_it_landed_completes_the_checkpoint_and_deletes_nothing_of_it()
    {
        var coordinator = Coordinator(new CheckpointSettings { TolerableFailures = 0, Retained = 1 });
        var first = (await coordinator.TriggerAsync())!.Value;
        await coordinator.AcknowledgeAsync(Handle(Source, first));
        await coordinator.AcknowledgeAsync(Handle(Sink, first));
        var id = (await coordinator.TriggerAsync())!.Value;
        (_environment.PersistCompletedFailure, _environment.RecordedAfterFailure) = (new IOException("the answer was lost"), true);

        await coordinator.AcknowledgeAsync(Handle(Source, id));
        await coordinator.AcknowledgeAsync(Handle(Sink, id));

        Assert.Equal([first, id], _environment.Completed);
        Assert.Equal(id, coordinator.LatestCompleted!.Id);
        Assert.DoesNotContain(_environment.Deleted, d => d.Id == id); // the stored state lists it: its files stay
        Assert.Contains(_environment.Deleted, d => d.Id == first); // and retention goes on
        Assert.Null(_environment.FailureReason);
        Assert.Equal(CheckpointStatus.Completed, coordinator.Stats.Recent().First(s => s.Id == id).Status);
    }

    [Fact]
    public async Task A_completion_write_whose_outcome_cannot_be_read_back_aborts_the_checkpoint_here_but_deletes_nothing()
    {
        var coordinator = Coordinator(new CheckpointSettings { TolerableFailures = 5 });
        var id = (await coordinator.TriggerAsync())!.Value;
        (_environment.PersistCompletedFailure, _environment.RecordedAfterFailure) = (new IOException("storage is down"), null);

        await coordinator.AcknowledgeAsync(Handle(Source, id));
        await coordinator.AcknowledgeAsync(Handle(Sink, id));

        Assert.Empty(_environment.Completed);
        Assert.Equal([id], _environment.Aborted);
        Assert.Empty(_environment.Deleted); // the stored state may list it: a later activation restores from it
        Assert.Empty(_environment.DeletedManifests);
        Assert.Contains("its files are kept", coordinator.Stats.Recent().Single().FailureReason);
    }

    [Fact]
    public async Task A_checkpoint_whose_completion_cannot_be_persisted_is_aborted_cleanly_and_counted_as_a_failure()
    {
        var coordinator = Coordinator(new CheckpointSettings { TolerableFailures = 0 });
        var id = (await coordinator.TriggerAsync())!.Value;
        _environment.PersistCompletedFailure = new IOException("storage is down");

        await coordinator.AcknowledgeAsync(Handle(Source, id));
        await coordinator.AcknowledgeAsync(Handle(Sink, id));

        Assert.Empty(_environment.Completed); // never announced as complete
        Assert.Null(coordinator.LatestCompleted);
        Assert.Equal([id], _environment.Aborted);
        Assert.Equal(new HashSet<(long, TaskId)> { (id, Source), (id, Sink) }, _environment.Deleted.ToHashSet());
        Assert.Equal([SnapshotStore.ManifestStateName(id)], _environment.DeletedManifests); // it had been written
        var stats = coordinator.Stats.Recent().Single();
        Assert.Equal(CheckpointStatus.Aborted, stats.Status); // not left in progress
        Assert.Contains("could not be recorded as completed: storage is down", stats.FailureReason);
        Assert.Contains("1 consecutive checkpoints failed, more than the 0 tolerated", _environment.FailureReason);
        Assert.Equal(AcknowledgeResult.Discarded, await coordinator.AcknowledgeAsync(Handle(Sink, id)));

        _environment.PersistCompletedFailure = null;
        var next = (await coordinator.TriggerAsync())!.Value;
        await coordinator.AcknowledgeAsync(Handle(Source, next));
        await coordinator.AcknowledgeAsync(Handle(Sink, next));
        Assert.Equal([next], _environment.Retained.Select(c => c.Id)); // the failed one is not among the retained
    }

    [Fact]
    public async Task A_checkpoint_whose_manifest_cannot_be_written_is_aborted_not_left_in_progress()
    {
        var coordinator = Coordinator(new CheckpointSettings());
        var id = (await coordinator.TriggerAsync())!.Value;
        _environment.ManifestFailure = new IOException("container gone");

        await coordinator.AcknowledgeAsync(Handle(Source, id));
        await coordinator.AcknowledgeAsync(Handle(Sink, id));

        var stats = coordinator.Stats.Recent().Single();
        Assert.Equal(CheckpointStatus.Aborted, stats.Status);
        Assert.Contains("its manifest could not be written: container gone", stats.FailureReason);
        Assert.Equal([id], _environment.Aborted);
        Assert.Equal([SnapshotStore.ManifestStateName(id)], _environment.DeletedManifests); // in case the write landed and only its answer was lost
        Assert.NotNull(await coordinator.TriggerAsync()); // the concurrency slot is free again
    }

    [Fact]
    public async Task An_alignment_superseded_by_a_newer_barrier_aborts_the_older_checkpoint_without_counting_a_failure()
    {
        var coordinator = Coordinator(new CheckpointSettings { Mode = CheckpointMode.AtLeastOnce, MaxConcurrent = 2, TolerableFailures = 0 });
        var older = (await coordinator.TriggerAsync())!.Value;
        var newer = (await coordinator.TriggerAsync())!.Value;

        await coordinator.DeclineAsync(Sink, older, $"alignment superseded by checkpoint {newer}", superseded: true);

        Assert.Null(_environment.FailureReason); // with none tolerated, one counted failure would have failed the job over
        Assert.Equal([older], _environment.Aborted);
        Assert.Equal(CheckpointStatus.Aborted, coordinator.Stats.Recent().Single(s => s.Id == older).Status);
        await coordinator.AcknowledgeAsync(Handle(Source, newer));
        await coordinator.AcknowledgeAsync(Handle(Sink, newer));
        Assert.Equal([newer], _environment.Completed);

        // The same decline for another reason is a failure.
        await coordinator.DeclineAsync(Sink, (await coordinator.TriggerAsync())!.Value, "disk full");
        Assert.Contains("1 consecutive checkpoints failed, more than the 0 tolerated", _environment.FailureReason);
    }

    [Fact]
    public async Task An_acknowledgement_from_an_instance_outside_the_checkpoint_is_unknown_and_does_not_count()
    {
        var coordinator = Coordinator(new CheckpointSettings());
        var id = (await coordinator.TriggerAsync())!.Value;
        var stranger = new TaskId("job", "other", 3);

        await coordinator.AcknowledgeAsync(Handle(Source, id));
        Assert.Equal(AcknowledgeResult.Unknown, await coordinator.AcknowledgeAsync(Handle(stranger, id)));

        Assert.Empty(_environment.Completed); // the sink still owes its acknowledgement
        var stats = coordinator.Stats.Recent().Single();
        Assert.Equal((CheckpointStatus.InProgress, 1, 2), (stats.Status, stats.Acknowledged, stats.Total));
        Assert.Equal(AcknowledgeResult.Success, await coordinator.AcknowledgeAsync(Handle(Sink, id)));
        Assert.DoesNotContain(stranger, _environment.Manifests.Single().Snapshots.Select(s => s.Task));
    }

    [Fact]
    public async Task Evicting_a_checkpoint_deletes_only_the_pieces_no_retained_checkpoint_references()
    {
        var coordinator = Coordinator(new CheckpointSettings { Retained = 1 });

        await Complete(coordinator, Piece(1, full: true));
        await Complete(coordinator, Piece(1, full: true), Piece(2)); // evicts 1, whose piece 2 still names
        Assert.Empty(_environment.DeletedPieces);
        Assert.Contains((1L, Source), _environment.Deleted); // its index goes

        await Complete(coordinator, Piece(3, full: true)); // consolidated: evicts 2, nothing names pieces 1 and 2 any more
        Assert.Equal(
            new HashSet<(TaskId, string)> { (Source, "piece-0000000001"), (Source, "piece-0000000002") },
            _environment.DeletedPieces.ToHashSet());
        Assert.Equal([3L], _environment.Retained.Select(c => c.Id));
    }

    [Fact]
    public async Task A_checkpoint_whose_chain_names_a_piece_retention_deleted_is_superseded_not_completed_and_not_a_failure()
    {
        var coordinator = Coordinator(new CheckpointSettings { Retained = 1, TolerableFailures = 0 });
        await Complete(coordinator, Piece(1, full: true));
        await Complete(coordinator, Piece(1, full: true), Piece(2));
        await Complete(coordinator, Piece(3, full: true)); // pieces 1 and 2 deleted

        // The source had not heard of 3's completion: it built 4 on its base 2, whose pieces are gone.
        var id = (await coordinator.TriggerAsync())!.Value;
        await coordinator.AcknowledgeAsync(Handle(Source, id) with { Pieces = [Piece(1, full: true), Piece(2), Piece(id)] });
        await coordinator.AcknowledgeAsync(Handle(Sink, id));

        Assert.Equal(3, coordinator.LatestCompleted!.Id);
        Assert.Equal([3L], _environment.Retained.Select(c => c.Id));
        var stats = coordinator.Stats.Recent().Single(s => s.Id == id);
        Assert.Equal(CheckpointStatus.Aborted, stats.Status);
        Assert.Contains("superseded", stats.FailureReason);
        Assert.Contains("piece-0000000001", stats.FailureReason);
        Assert.Null(_environment.FailureReason); // not counted: no tolerated failure was used up
        Assert.Contains((Source, SnapshotStore.PieceStateName(id)), _environment.DeletedPieces); // its own piece goes

        // Told of 3, the source builds on it again, and the next checkpoint completes.
        await Complete(coordinator, Piece(3, full: true), Piece(id + 1));
        Assert.Equal(id + 1, coordinator.LatestCompleted!.Id);
    }

    private async Task Complete(CheckpointCoordinator coordinator, params StatePiece[] sourcePieces)
    {
        var id = (await coordinator.TriggerAsync())!.Value;
        await coordinator.AcknowledgeAsync(Handle(Source, id) with { Pieces = sourcePieces });
        await coordinator.AcknowledgeAsync(Handle(Sink, id));
        Assert.Equal(id, coordinator.LatestCompleted?.Id);
    }

    private static StatePiece Piece(long id, bool full = false) => new(id, SnapshotStore.PieceStateName(id), 100, "0123456789abcdef", full);

    private CheckpointCoordinator Coordinator(CheckpointSettings settings) =>
        new(_environment, settings, 0, [], new CheckpointStatsTracker("job", _time, []), _time, NullLogger.Instance);

    private static SnapshotHandle Handle(TaskId task, long id) => new(task, id, SnapshotStore.SnapshotStateName(id), 10, "0123456789abcdef", 0.1, 1, 0);
}
