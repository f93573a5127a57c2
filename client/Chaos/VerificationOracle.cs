using System.Globalization;
using OrleansCheckpoint.Jobs.Verification;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>
/// What <see cref="VerificationJob"/> must commit for a sequence of clicks, computed from the clicks alone and the
/// documented rules: the push cuts them into batches of <c>batchSize</c> lines, batch k going to source partition
/// k mod P; a partition's watermark after a batch is the largest timestamp it has seen minus the 1 s bound (minus 1 ms);
/// a click is late for its 5 s window when the window's last millisecond is at or before its partition's watermark
/// before its batch. Every window is committed once with the count of its clicks that are not late; every user bucket's
/// emissions add up to its clicks; every user's total counts all of its clicks.
/// </summary>
internal sealed class VerificationOracle
{
    private VerificationOracle(
        Dictionary<(string Page, long Start), long> windows, Dictionary<(string User, long Bucket), long> buckets, Dictionary<string, long> users, long late)
    {
        (Windows, Buckets, UserTotals, LateClicks) = (windows, buckets, users, late);
    }

    public IReadOnlyDictionary<(string Page, long Start), long> Windows { get; }

    public IReadOnlyDictionary<(string User, long Bucket), long> Buckets { get; }

    public IReadOnlyDictionary<string, long> UserTotals { get; }

    /// <summary>Clicks late for their window (dropped by the window, counted everywhere else).</summary>
    public long LateClicks { get; }

    public static VerificationOracle Of(IReadOnlyList<Click> clicks, int batchSize, int parallelism)
    {
        var size = (long)VerificationJob.WindowSize.TotalMilliseconds;
        var bucketSize = (long)VerificationJob.BucketSize.TotalMilliseconds;
        var bound = (long)VerificationJob.OutOfOrderness.TotalMilliseconds;
        var maxTimestamp = Enumerable.Repeat(long.MinValue, parallelism).ToArray();
        var watermark = Enumerable.Repeat(long.MinValue, parallelism).ToArray();
        var windows = new Dictionary<(string, long), long>();
        long late = 0;
        for (var batch = 0; batch * batchSize < clicks.Count; batch++)
        {
            var partition = batch % parallelism;
            for (var i = batch * batchSize; i < Math.Min(clicks.Count, (batch + 1) * batchSize); i++)
            {
                var click = clicks[i];
                var start = click.Ts - (((click.Ts % size) + size) % size);
                if (start + size - 1 <= watermark[partition])
                {
                    late++;
                }
                else
                {
                    windows[(click.Page, start)] = windows.GetValueOrDefault((click.Page, start)) + 1;
                }

                maxTimestamp[partition] = Math.Max(maxTimestamp[partition], click.Ts);
            }

            if (maxTimestamp[partition] != long.MinValue)
            {
                watermark[partition] = Math.Max(watermark[partition], maxTimestamp[partition] - bound - 1);
            }
        }

        var buckets = clicks.GroupBy(c => (c.User, c.Ts - (((c.Ts % bucketSize) + bucketSize) % bucketSize))).ToDictionary(g => g.Key, g => (long)g.Count());
        var users = clicks.GroupBy(c => c.User).ToDictionary(g => g.Key, g => (long)g.Count());
        return new VerificationOracle(windows, buckets, users, late);
    }

    /// <summary>The first way in which <paramref name="committed"/> differs from what is expected, or null when it does not.</summary>
    public string? FirstDifference(CommittedOutput committed)
    {
        foreach (var group in committed.Windows.GroupBy(w => (w.Page, w.Start)).OrderBy(g => g.Key))
        {
            var counts = group.Select(w => w.Count).ToList();
            if (counts.Count > 1)
            {
                return $"window {Window(group.Key)} was committed {counts.Count} times (counts {string.Join(", ", counts)})";
            }

            if (!Windows.TryGetValue(group.Key, out var expected))
            {
                return $"window {Window(group.Key)} was committed (count {counts[0]}) but holds no click that is not late";
            }

            if (expected != counts[0])
            {
                return $"window {Window(group.Key)} was committed with count {counts[0]}, expected {expected}";
            }
        }

        var committedWindows = committed.Windows.Select(w => (w.Page, w.Start)).ToHashSet();
        if (Windows.Keys.Where(w => !committedWindows.Contains(w)).Order().FirstOrDefault() is { Page: not null } missing)
        {
            return $"window {Window(missing)} was never committed (expected count {Windows[missing]})";
        }

        var sums = committed.Buckets.GroupBy(b => (b.User, b.Bucket)).ToDictionary(g => g.Key, g => g.Sum(b => b.Count));
        foreach (var (bucket, expected) in Buckets.OrderBy(b => b.Key))
        {
            if (sums.GetValueOrDefault(bucket) != expected)
            {
                return $"the timer emissions of user {bucket.User}'s bucket at {Time(bucket.Bucket)} add up to {sums.GetValueOrDefault(bucket)}, expected {expected}";
            }
        }

        if (sums.Keys.FirstOrDefault(b => !Buckets.ContainsKey(b)) is { User: not null } extra)
        {
            return $"user {extra.User}'s bucket at {Time(extra.Bucket)} was emitted ({sums[extra]}) but holds no click";
        }

        foreach (var (user, expected) in UserTotals.OrderBy(u => u.Key))
        {
            var total = committed.UserTotals.GetValueOrDefault(user);
            if (total != expected)
            {
                return $"the result table holds {total?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} for user {user}, expected {expected}";
            }
        }

        return null;
    }

    private static string Window((string Page, long Start) window) =>
        $"{window.Page} [{Time(window.Start)}, {Time(window.Start + (long)VerificationJob.WindowSize.TotalMilliseconds)})";

    private static string Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}

/// <summary>What the verification job committed: its window counts and bucket emissions (part files) and its result table.</summary>
internal sealed record CommittedOutput(
    IReadOnlyList<(string Page, long Start, long Count)> Windows, IReadOnlyList<BucketCount> Buckets, IReadOnlyDictionary<string, long?> UserTotals);
