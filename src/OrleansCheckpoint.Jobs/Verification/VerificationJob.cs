using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Verification;

/// <summary>
/// The job <c>client chaos</c> runs to verify the exactly-once guarantee, registered as <c>verification</c>. Clicks with a
/// 1 s out-of-orderness bound feed three pipelines, each with a sink whose committed output an oracle can check:
/// per page, 5 s tumbling event-time window counts (late clicks dropped) to part files; per user, a running count in a
/// result table; per user, counts per 10 s bucket of event time emitted by event-time timers of a keyed process function
/// to part files (a click for a bucket whose timer fired already starts it again: the counts of a bucket add up).
/// </summary>
public sealed class VerificationJob : IStreamJob
{
    /// <summary>The name the job is registered under.</summary>
    public const string Name = "verification";

    /// <summary>The out-of-orderness bound of the clicks' watermark.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(1);

    /// <summary>The page windows' size.</summary>
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(5);

    /// <summary>The user buckets' size.</summary>
    public static readonly TimeSpan BucketSize = TimeSpan.FromSeconds(10);

    /// <summary>The uid of the file sink of the page windows (part files under <c>{job}/{uid}/</c>).</summary>
    public const string WindowFiles = "page-window-files";

    /// <summary>The uid of the file sink of the user buckets.</summary>
    public const string BucketFiles = "user-bucket-files";

    /// <inheritdoc />
    public void Build(JobBuilder job)
    {
        Pipelines(job.Source("clicks", JsonLines.Parser<Click>(), Watermarks));
    }

    /// <summary>The clicks' event time, with the out-of-orderness bound.</summary>
    internal static WatermarkStrategy<Click> Watermarks { get; } =
        WatermarkStrategy<Click>.ForBoundedOutOfOrderness(OutOfOrderness, c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts));

    /// <summary>The three pipelines over the clicks, whatever their source.</summary>
    internal static void Pipelines(DataStream<Click> clicks)
    {
        clicks.KeyBy(c => c.Page).Window(TumblingEventTimeWindows.Of(WindowSize)).Count("page-windows").ToFiles(WindowFiles);
        clicks.KeyBy(c => c.User).Count("user-totals").ToResultTable("user-table");
        clicks.KeyBy(c => c.User).Process("user-buckets", () => new UserBuckets()).ToFiles(BucketFiles);
    }

    /// <summary>Counts a user's clicks per bucket, in a map it changes in place, and emits a bucket when its timer fires.</summary>
    private sealed class UserBuckets : KeyedProcessFunction<string, Click, BucketCount>
    {
        private static readonly long Size = (long)BucketSize.TotalMilliseconds;

        public override void ProcessElement(Click value, IKeyedContext<string> context, ICollector<BucketCount> output)
        {
            var state = context.GetValueState<Dictionary<long, long>>("buckets");
            var buckets = state.Value ?? [];
            var bucket = value.Ts - (((value.Ts % Size) + Size) % Size);
            buckets[bucket] = buckets.GetValueOrDefault(bucket) + 1;
            state.Update(buckets);
            context.RegisterEventTimeTimer(bucket + Size - 1);
        }

        public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<BucketCount> output)
        {
            var state = context.GetValueState<Dictionary<long, long>>("buckets");
            if (state.Value is not { } buckets || !buckets.Remove(timestamp + 1 - Size, out var count))
            {
                return;
            }

            output.Collect(new BucketCount(context.CurrentKey, timestamp + 1 - Size, count));
            if (buckets.Count == 0)
            {
                state.Clear();
            }
            else
            {
                state.Update(buckets);
            }
        }
    }
}
