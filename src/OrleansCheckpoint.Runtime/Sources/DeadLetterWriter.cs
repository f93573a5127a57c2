using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// Writes the dead letters of one source instance, each as a blob holding one JSON line, named after the letter's
/// origin and position (<see cref="DeadLetterLocation.BlobName"/>) and created only if absent: a replay after a restore
/// writes the same letters under the same names, so each bad record is stored once however often it is read.
/// <para>
/// How a source uses it: write a batch's letters before the batch enters the instance's gate (so a checkpoint that
/// includes the batch's position never completes without them), and count them when the batch is processed, in the
/// source's snapshot (so the count, like the letters, does not grow on a replay), restoring it into
/// <c>TaskCounters.DeadLetters</c>, which the instance's metrics show.
/// </para>
/// </summary>
internal sealed class DeadLetterWriter(IDeadLetterStore store, DeadLetterLocation location, TaskId source)
{
    /// <summary>At most this many letters are uploaded at once.</summary>
    private const int Concurrency = 8;

    public DeadLetterLocation Location { get; } = location;

    /// <summary>Stores <paramref name="letters"/>; returns how many were new (the others were written before).</summary>
    public async Task<int> WriteAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellation)
    {
        if (letters.Count == 0)
        {
            return 0;
        }

        var created = 0;
        await Parallel.ForEachAsync(letters, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellation }, async (letter, token) =>
        {
            var content = letter.ToJsonLine(source.Job, source.Operator, source.Partition);
            if (await store.CreateAsync(Location.Container, Location.BlobName(source.Job, source.Operator, letter), content, token))
            {
                Interlocked.Increment(ref created);
            }
        });
        return created;
    }
}
