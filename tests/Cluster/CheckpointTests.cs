using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>Checkpoints of running jobs on a two-silo cluster, written through grain storage to Azurite.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckpointTests(ClusterFixture fixture)
{
    private static readonly CheckpointSettings Fast = new() { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(5), Retained = 100 };

    [Fact]
    public async Task While_events_flow_checkpoints_complete_and_every_manifest_names_every_instance_with_a_readable_snapshot()
    {
        await using var driver = new JobDriver(fixture.Client, "chk-flow");
        var info = await driver.StartAsync(parallelism: 2); // the fixture's default: every 200 ms, 2 retained
        var started = DateTime.UtcNow;
        foreach (var chunk in new RequestGenerator(seed: 21).Take(8_000).Select(RequestGenerator.ToJsonLine).Chunk(1_000))
        {
            await driver.PushAsync(chunk);
            await Task.Delay(100);
        }

        var completed = await CompletedAsync(driver, atLeast: 4);
        var elapsed = DateTime.UtcNow - started;
        await driver.Manager.StopAsync(drain: false); // no more checkpoints: the retained ones stay as they are
        completed = (await driver.Coordinator.GetCheckpointsAsync()).Where(s => s.Status == CheckpointStatus.Completed).ToList();

        var store = fixture.SiloService<SnapshotStore>();
        var instances = info.Operators.SelectMany(o => Enumerable.Range(0, o.Parallelism).Select(p => new TaskId("chk-flow", o.Uid, p))).ToHashSet();
        var retained = completed.Take(2).ToList();
        foreach (var checkpoint in retained)
        {
            var manifest = await store.ReadManifestAsync("chk-flow", checkpoint.Id);
            Assert.True(manifest is not null, $"no manifest for checkpoint {checkpoint.Id}; manifests: {string.Join(" ", (await fixture.CheckpointBlobsAsync()).Where(b => b.Contains("manifest")))}");
            Assert.Equal(instances, manifest.Snapshots.Select(s => s.Task).ToHashSet());
            Assert.All(manifest.Snapshots, s => Assert.True(s.SizeBytes > 0 && s.Checksum.Length == 16));
            foreach (var handle in manifest.Snapshots)
            {
                Assert.Equal(handle.Task, (await store.ReadForRestoreAsync(handle)).Task); // present, checksum verified
            }
        }

        // Triggers respect the interval, and with data flowing they keep coming.
        var triggers = completed.Select(c => c.TriggeredAt).Order().ToList();
        Assert.All(triggers.Zip(triggers.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(190), $"{pair.First:O} → {pair.Second:O}"));
        Assert.True(completed.Count >= elapsed / TimeSpan.FromMilliseconds(200) / 4, $"{completed.Count} checkpoints in {elapsed}");

        // Only the retained checkpoints' files remain.
        await Eventually.TrueAsync(async () =>
        {
            var blobs = await fixture.CheckpointBlobsAsync();
            var ids = completed.Select(c => c.Id).Where(id => blobs.Any(b => b.Contains("/chk-flow/") && b.Contains(SnapshotStore.SnapshotStateName(id)))).ToList();
            return ids.All(id => retained.Any(r => r.Id == id) || id > retained[0].Id);
        }, "evicted checkpoints to be deleted");
    }

    [Fact]
    public async Task The_state_in_a_completed_checkpoint_is_exactly_the_count_of_the_events_each_source_emitted_before_the_barrier()
    {
        const string job = "chk-cut";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, Fast);
        var route = await driver.Manager.GetPushRouteAsync();
        var generator = new RequestGenerator(seed: 33);
        var partitions = Enumerable.Range(0, route.Parallelism).Select(_ => generator.Take(6_000).ToList()).ToList();
        var store = fixture.SiloService<SnapshotStore>();
        var verified = new List<(long Id, long[] Offsets)>();

        // Both source partitions are pushed concurrently, so the keyed operators' two input channels interleave
        // and barriers must be aligned; meanwhile, every newly completed checkpoint is checked.
        var pushes = partitions.Select(async (events, p) =>
        {
            var source = fixture.Client.GetGrain<ISourceGrain>(route.Partition(p).GrainKey);
            var sequence = 0;
            foreach (var chunk in events.Select(RequestGenerator.ToJsonLine).Chunk(200))
            {
                await source.PushAsync(new PushBatch($"cut-{p}", ++sequence, 1, chunk));
                await Task.Delay(15); // spread the stream over several checkpoint intervals
            }
        }).ToList();
        while (!pushes.All(p => p.IsCompleted) || verified.Count == 0 || verified[^1].Offsets.Sum() < 12_000)
        {
            var latest = (await driver.Coordinator.GetCheckpointsAsync()).FirstOrDefault(c => c.Status == CheckpointStatus.Completed);
            if (latest is not null && verified.All(v => v.Id != latest.Id))
            {
                verified.Add((latest.Id, await VerifyCutAsync(store, job, latest.Id, partitions)));
            }

            await Task.Delay(20);
        }

        await Task.WhenAll(pushes);
        Assert.Contains(verified, v => v.Offsets.Sum() is > 0 and < 12_000); // at least one cut inside the stream
        Assert.True(verified.Count >= 3, $"only {verified.Count} checkpoints checked");
    }

    [Fact]
    public async Task An_instance_that_never_acknowledges_makes_the_checkpoint_time_out_its_files_are_removed_and_the_next_one_completes()
    {
        const string job = "chk-timeout";
        await using var driver = new JobDriver(fixture.Client, job);
        var info = await driver.StartAsync(2, Fast with { Timeout = TimeSpan.FromMilliseconds(600), TolerableFailures = 100 });
        CheckpointStats aborted;
        var hold = FaultInjectingGrainStorage.HoldWrites((state, key) => key == $"{job}/endpoint-totals/1" && state.StartsWith("chk-", StringComparison.Ordinal));
        using (hold)
        {
            await driver.PushAsync(new RequestGenerator(seed: 4).Take(2_000).Select(RequestGenerator.ToJsonLine));
            aborted = await Eventually.ValueAsync(
                async () => (await driver.Coordinator.GetCheckpointsAsync()).LastOrDefault(c => c.Status == CheckpointStatus.Aborted),
                c => c is not null,
                "a checkpoint to time out") ?? throw new InvalidOperationException();
            Assert.Contains("timed out", aborted.FailureReason);
            Assert.Contains($"1 of {Instances(info)} instances had not acknowledged", aborted.FailureReason);

            // Uploads still in flight at the abort land later; their acknowledgements are discarded and the files deleted.
            await Eventually.TrueAsync(
                async () => !(await fixture.CheckpointBlobsAsync()).Any(b => b.Contains($"/{job}/") && b.Contains(SnapshotStore.SnapshotStateName(aborted.Id))),
                "the aborted checkpoint's files to be removed");
        }

        // Released: the held snapshots are written late (wait until they are, so the deletion checked below is of
        // files that existed), their acknowledgements are discarded and the files deleted.
        await Eventually.TrueAsync(() => Task.FromResult(hold.Matched > 0 && hold.Written == hold.Matched), "the held snapshot writes to land");
        var next = await Eventually.ValueAsync(
            async () => (await driver.Coordinator.GetCheckpointsAsync()).FirstOrDefault(c => c.Status == CheckpointStatus.Completed && c.Id > aborted.Id),
            c => c is not null,
            "a later checkpoint to complete");
        Assert.Equal(Instances(info), next!.Acknowledged);
        var abortedIds = (await driver.Coordinator.GetCheckpointsAsync()).Where(c => c.Status == CheckpointStatus.Aborted).Select(c => c.Id).ToList();
        await Eventually.TrueAsync(
            async () => !(await fixture.CheckpointBlobsAsync()).Any(b => b.Contains($"/{job}/") && abortedIds.Any(id => b.Contains(SnapshotStore.SnapshotStateName(id)))),
            "the late snapshots of aborted checkpoints to be deleted");
        Assert.Equal(JobStatus.Running, (await driver.Manager.GetInfoAsync()).Status);
    }

    [Fact]
    public async Task Records_keep_being_processed_while_a_snapshot_upload_is_slow()
    {
        const string job = "chk-slow";
        await using var driver = new JobDriver(fixture.Client, job);
        var info = await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        var requests = new RequestGenerator(seed: 12).Take(2_000).Select(RequestGenerator.ToJsonLine).ToList();
        await driver.PushAsync(requests.Take(1_000));

        // Each event reaches three operators after the source: the window, the totals, and the table (the totals' updates).
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).RecordsIn == 3_000, "the first events to be processed");

        long? id;
        using (var hold = FaultInjectingGrainStorage.HoldWrites((state, key) => key.StartsWith($"{job}/", StringComparison.Ordinal) && state.StartsWith("chk-", StringComparison.Ordinal)))
        {
            id = await driver.Coordinator.TriggerCheckpointAsync();
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingGrainStorage.Matched == Instances(info)), "every instance to start its upload");
            await driver.PushAsync(requests.Skip(1_000));

            // Every record pushed after the barrier is processed by both keyed operators while the uploads hang.
            await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).RecordsIn == 6_000, "the later events to be processed");
            Assert.Equal(CheckpointStatus.InProgress, (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id).Status);
        }

        var done = await Eventually.ValueAsync(async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id), c => c.Status == CheckpointStatus.Completed, "the checkpoint to complete");
        var store = fixture.SiloService<SnapshotStore>();
        var offsets = 0L;
        foreach (var handle in done.Instances.Where(h => h.Task.Operator == "requests"))
        {
            offsets += ((SourceState)(await store.ReadForRestoreAsync(handle)).Index!.Operators.Single().State).Offset;
        }

        Assert.Equal(1_000, offsets); // the cut is at the barrier, not where processing had got to by the upload
    }

    [Fact]
    public async Task Failing_snapshot_writes_decline_checkpoints_beyond_the_tolerated_number_fail_over_and_when_restarts_run_out_the_job_fails_with_the_reason()
    {
        const string job = "chk-fail";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(1, Fast with { TolerableFailures = 2 });
        using var failing = FaultInjectingGrainStorage.FailWrites((state, key) => key.StartsWith($"{job}/", StringComparison.Ordinal));

        var failed = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status == JobStatus.Failed, "the job to fail");

        Assert.Contains("3 consecutive checkpoints failed, more than the 2 tolerated", failed.FailureReason);
        Assert.Contains("injected storage failure", failed.FailureReason);
        Assert.Contains("not restarted: it restarted 4 times", failed.FailureReason); // the fixture allows 4 restarts
        Assert.Equal(4, failed.Restarts);
        var aborted = (await driver.Coordinator.GetCheckpointsAsync()).Where(c => c.Status == CheckpointStatus.Aborted).ToList();
        Assert.Equal(15, aborted.Count); // 3 per generation, 5 generations, and ids never repeat
        Assert.Equal(aborted.Count, aborted.Select(c => c.Id).Distinct().Count());
        await Assert.ThrowsAsync<JobNotRunningException>(() => driver.Manager.GetPushRouteAsync());
    }

    [Fact]
    public async Task The_coordinators_state_survives_a_deactivation_of_the_job_manager_ids_go_on_and_retention_still_deletes()
    {
        const string job = "chk-reactivate";
        await using var driver = new JobDriver(fixture.Client, job);
        var info = await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 2 });
        await driver.PushAsync(new RequestGenerator(seed: 5).Take(1_000).Select(RequestGenerator.ToJsonLine));
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await CheckpointByHandAsync(driver));
        }

        Assert.Equal(3, (await driver.Coordinator.GetCheckpointsAsync()).Count); // this activation remembers the evicted one too

        await fixture.Cluster.DeactivateAsync(driver.Manager);

        // A new activation: its history is what was persisted, the two retained checkpoints.
        var retained = await driver.Coordinator.GetCheckpointsAsync();
        Assert.Equal([ids[2], ids[1]], retained.Select(c => c.Id));
        Assert.All(retained, c => Assert.Equal((CheckpointStatus.Completed, Instances(info)), (c.Status, c.Acknowledged)));
        Assert.Equal(ids[2], (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint);

        var next = await CheckpointByHandAsync(driver);

        Assert.Equal(ids[2] + 1, next);
        Assert.Equal([next, ids[2]], (await driver.Coordinator.GetCheckpointsAsync()).Where(c => c.Status == CheckpointStatus.Completed).Take(2).Select(c => c.Id));
        await Eventually.TrueAsync(async () => FilesOf(await fixture.CheckpointBlobsAsync(), job, ids[1]).Count == 0, $"checkpoint {ids[1]}'s files to be deleted once evicted");
        var blobs = await fixture.CheckpointBlobsAsync();
        Assert.Equal(Instances(info) + 1, FilesOf(blobs, job, ids[2]).Count); // a snapshot per instance and the manifest
        Assert.Equal(Instances(info) + 1, FilesOf(blobs, job, next).Count);
        Assert.Empty(FilesOf(blobs, job, ids[0]));
    }

    [Fact]
    public async Task A_checkpoint_that_cannot_be_recorded_as_completed_is_aborted_and_its_files_deleted_and_the_next_one_completes()
    {
        const string job = "chk-persist-fail";
        await using var driver = new JobDriver(fixture.Client, job);
        var info = await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), TolerableFailures = 5 });
        await driver.PushAsync(new RequestGenerator(seed: 6).Take(1_000).Select(RequestGenerator.ToJsonLine));
        var manifestWritten = 0;
        CheckpointStats aborted;

        // Every write of the job manager's state after the checkpoint's manifest was written fails: the manifest is
        // durable, but the checkpoint cannot be recorded as the job's completed one.
        using (var failing = FaultInjectingGrainStorage.FailWrites((state, key) =>
        {
            if (key == job && state.StartsWith("manifest-", StringComparison.Ordinal))
            {
                Interlocked.Exchange(ref manifestWritten, 1);
                return false;
            }

            return key == job && state == "job" && Volatile.Read(ref manifestWritten) == 1;
        }))
        {
            var id = (await driver.Coordinator.TriggerCheckpointAsync())!.Value;
            aborted = await Eventually.ValueAsync(
                async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id), c => c.Status != CheckpointStatus.InProgress, "the checkpoint to end");
            Assert.Equal(1, failing.Matched);
        }

        Assert.Equal(CheckpointStatus.Aborted, aborted.Status);
        Assert.Contains("could not be recorded as completed", aborted.FailureReason);
        Assert.Contains("injected storage failure", aborted.FailureReason);
        await Eventually.TrueAsync(async () => FilesOf(await fixture.CheckpointBlobsAsync(), job, aborted.Id).Count == 0, "the aborted checkpoint's manifest and snapshots to be deleted");
        Assert.Null(await fixture.SiloService<SnapshotStore>().ReadManifestAsync(job, aborted.Id));
        Assert.Null((await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint);

        var next = await CheckpointByHandAsync(driver);

        Assert.Equal(aborted.Id + 1, next);
        var after = await driver.Manager.GetInfoAsync();
        Assert.Equal((JobStatus.Running, 0, (long?)next), (after.Status, after.Restarts, after.LastCompletedCheckpoint));
        Assert.Equal(Instances(info) + 1, FilesOf(await fixture.CheckpointBlobsAsync(), job, next).Count);
    }

    [Fact]
    public async Task A_job_state_write_whose_answer_was_lost_but_landed_does_not_wedge_the_job_manager()
    {
        const string job = "chk-lost-answer";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), TolerableFailures = 5 });
        var requests = new RequestGenerator(seed: 8).Take(2_000).ToList();
        await driver.PushAsync(requests.Take(1_000).Select(RequestGenerator.ToJsonLine));

        // The next write of the job manager's state (the trigger's) lands, but its answer is an error: the manager's
        // ETag is now stale, so its next write fails on the conflict, and every one after it unless it reads again.
        using (var lost = FaultInjectingGrainStorage.LoseAnswer((state, key) => key == job && state == "job"))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => driver.Coordinator.TriggerCheckpointAsync());
            Assert.Equal(1, lost.Matched);
        }

        var completed = await Eventually.ValueAsync(
            async () =>
            {
                try
                {
                    return await driver.Coordinator.TriggerCheckpointAsync() is { } id && await CompletedAsync(driver, id) ? id : (long?)null;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    return null; // the write that hit the conflict; the manager reads its state again
                }
            },
            id => id is not null,
            "a checkpoint to complete after the lost answer");

        await driver.PushAsync(requests.Skip(1_000).Select(RequestGenerator.ToJsonLine));
        var finished = await driver.DrainAsync();
        Assert.Equal((JobStatus.Finished, 0), (finished.Status, finished.Restarts));
        Assert.True(finished.LastCompletedCheckpoint >= completed);
        foreach (var (endpoint, count) in RequestOracle.Totals(requests))
        {
            Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), (await driver.Manager.QueryAsync(endpoint)).ValueJson);
        }
    }

    private static async Task<bool> CompletedAsync(JobDriver driver, long id)
    {
        var stats = await Eventually.ValueAsync(
            async () => (await driver.Coordinator.GetCheckpointsAsync()).SingleOrDefault(c => c.Id == id), c => c?.Status != CheckpointStatus.InProgress, $"checkpoint {id} to end");
        return stats?.Status == CheckpointStatus.Completed;
    }

    [Theory]
    [InlineData(0, 1_000, "Interval must be at least 10 ms (got 0 ms)")]
    [InlineData(1_000, 500, "Timeout must be at least the interval, 1000 ms (got 500 ms)")]
    public async Task Invalid_checkpoint_settings_are_refused_at_start_naming_the_setting(int intervalMs, int timeoutMs, string message)
    {
        var manager = fixture.Client.GetGrain<IJobManagerGrain>("chk-settings");
        var settings = new CheckpointSettings { Interval = TimeSpan.FromMilliseconds(intervalMs), Timeout = TimeSpan.FromMilliseconds(timeoutMs) };

        var error = await Assert.ThrowsAsync<InvalidCheckpointSettingsException>(() => manager.StartAsync(new JobStartOptions(1, settings)));

        Assert.Contains(message, error.Message);
        Assert.Equal(message, $"{error.Problems.Single().Setting} {error.Problems.Single().Message}");
        Assert.Equal(JobStatus.Created, (await manager.GetInfoAsync()).Status);
    }

    internal static int Instances(JobInfo info) => info.Operators.Sum(o => o.Parallelism);

    /// <summary>Triggers a checkpoint by hand and waits until it completed; returns its id.</summary>
    internal static async Task<long> CheckpointByHandAsync(JobDriver driver)
    {
        var id = await driver.Coordinator.TriggerCheckpointAsync() ?? throw new InvalidOperationException("no checkpoint could be triggered");
        var done = await Eventually.ValueAsync(
            async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id), c => c.Status != CheckpointStatus.InProgress, $"checkpoint {id} to end");
        Assert.True(done.Status == CheckpointStatus.Completed, done.FailureReason);
        return id;
    }

    /// <summary>The snapshot and manifest blobs of checkpoint <paramref name="id"/> of <paramref name="job"/>.</summary>
    internal static List<string> FilesOf(IEnumerable<string> blobs, string job, long id) =>
        [.. blobs.Where(b => (b.Contains($"/{job}/", StringComparison.Ordinal) && b.Contains(SnapshotStore.SnapshotStateName(id), StringComparison.Ordinal))
            || (b.Contains($"/{job}.", StringComparison.Ordinal) && b.Contains(SnapshotStore.ManifestStateName(id), StringComparison.Ordinal)))];

    private static async Task<List<CheckpointStats>> CompletedAsync(JobDriver driver, int atLeast)
    {
        var all = await Eventually.ValueAsync(
            () => driver.Coordinator.GetCheckpointsAsync(),
            c => c.Count(s => s.Status == CheckpointStatus.Completed) >= atLeast,
            $"{atLeast} completed checkpoints");
        return all.Where(s => s.Status == CheckpointStatus.Completed).ToList();
    }

    /// <summary>
    /// The keyed state (one table) of an instance's snapshot as its key groups' entries: a whole snapshot's, or the
    /// entries its pieces hold, applied oldest first.
    /// </summary>
    internal static IEnumerable<IReadOnlyDictionary<TKey, TValue>> KeyedState<TKey, TValue>(RestoredSnapshot snapshot, StateCodecs codecs)
        where TKey : notnull
    {
        if (snapshot.Whole is { } whole)
        {
            return ((KeyedStateSnapshot<TKey, TValue>)whole.Operators.Single().State).Groups.Values;
        }

        var table = new KeyedStateTable<TKey, TValue>(new KeyGroupRange(0, short.MaxValue));
        foreach (var section in snapshot.Pieces.SelectMany(p => StatePieceCodec.Decode(p)))
        {
            table.Apply(section.Entries, codecs);
        }

        return table.NonEmptyGroups().Select(g => g.Entries);
    }

    /// <summary>Checks checkpoint <paramref name="id"/>'s totals against the events before each source's offset; returns the offsets.</summary>
    private static async Task<long[]> VerifyCutAsync(SnapshotStore store, string job, long id, IReadOnlyList<List<Request>> partitions)
    {
        var manifest = await store.ReadManifestAsync(job, id) ?? throw new InvalidOperationException($"no manifest for {id}");
        var offsets = new long[partitions.Count];
        var totals = new Dictionary<string, long>();
        foreach (var handle in manifest.Snapshots)
        {
            var snapshot = await store.ReadForRestoreAsync(handle);
            switch (handle.Task.Operator)
            {
                case "requests":
                    offsets[handle.Task.Partition] = ((SourceState)(snapshot.Whole?.Operators ?? snapshot.Index!.Operators).Single().State).Offset;
                    break;
                case "endpoint-totals":
                    foreach (var group in KeyedState<string, long>(snapshot, store.Codecs))
                    {
                        foreach (var (endpoint, count) in group)
                        {
                            totals.Add(endpoint, count); // each key lives in exactly one key group of one instance
                        }
                    }

                    break;
            }
        }

        var expected = partitions.SelectMany((events, p) => events.Take((int)offsets[p]))
            .GroupBy(r => r.Endpoint)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected, totals);
        return offsets;
    }
}
