using OrleansCheckpoint.Dataflow;

namespace Sessionization;

/// <summary>
/// Sessionization: page views, keyed by user, cut into sessions that end after <see cref="Gap"/> without a view (a keyed
/// process function with a value state and an event-time timer); each closed session is written to part files, and
/// every user's sessions are summed into the job's result table (<c>client query sessions &lt;user&gt;</c>).
/// </summary>
public sealed class SessionizationJob : IStreamJob
{
    /// <summary>The inactivity that ends a session.</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromSeconds(30);

    /// <summary>How far out of order views may arrive.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(5);

    public void Build(JobBuilder job)
    {
        var views = job.Source(
            "page-views",
            JsonLines.Parser<PageView>(),
            WatermarkStrategy<PageView>.ForBoundedOutOfOrderness(OutOfOrderness, v => DateTimeOffset.FromUnixTimeMilliseconds(v.Timestamp)));
        var sessions = views.KeyBy(v => v.User).Process("sessionize", () => new Sessionizer((long)Gap.TotalMilliseconds));
        sessions.ToFiles("session-files");
        sessions.KeyBy(s => s.User).Aggregate("user-sessions", new SumSessions()).ToResultTable("user-sessions-table");
    }
}

/// <summary>
/// Keeps each user's open sessions (several can be open at once: views arrive out of order), like Flink's merging session
/// windows: a view opens a session of its own, and sessions no more than the gap apart merge. A session closes, and
/// is emitted, when the watermark passes its end + gap — no later view can join it then.
/// </summary>
public sealed class Sessionizer(long gapMs) : KeyedProcessFunction<string, PageView, Session>
{
    private const string Open = "open-sessions";

    public override void ProcessElement(PageView view, IKeyedContext<string> context, ICollector<Session> output)
    {
        var state = context.GetValueState<Session[]>(Open);
        var merged = new List<Session>();
        foreach (var session in (state.Value ?? []).Append(new Session(view.User, view.Timestamp, view.Timestamp, 1)).OrderBy(s => s.Start))
        {
            if (merged.Count > 0 && session.Start - merged[^1].End <= gapMs)
            {
                var last = merged[^1];
                merged[^1] = last with { End = Math.Max(last.End, session.End), Views = last.Views + session.Views };
            }
            else
            {
                merged.Add(session);
            }
        }

        state.Update([.. merged]);
        foreach (var session in merged)
        {
            context.RegisterEventTimeTimer(session.End + gapMs); // once per time; a timer a merge left behind finds nothing due
        }
    }

    public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<Session> output)
    {
        var state = context.GetValueState<Session[]>(Open);
        var open = state.Value ?? [];
        foreach (var due in open.Where(s => s.End + gapMs <= timestamp))
        {
            output.Collect(due);
        }

        var left = open.Where(s => s.End + gapMs > timestamp).ToArray();
        if (left.Length == 0)
        {
            state.Clear();
        }
        else
        {
            state.Update(left);
        }
    }
}

/// <summary>Sums a user's sessions.</summary>
public sealed class SumSessions : IAggregateFunction<Session, UserSessions, UserSessions>
{
    public UserSessions CreateAccumulator() => new(0, 0, 0);

    public UserSessions Add(Session session, UserSessions sum) =>
        new(sum.Sessions + 1, sum.Views + session.Views, Math.Max(sum.LongestMs, session.End - session.Start));

    public UserSessions GetResult(UserSessions sum) => sum;
}
