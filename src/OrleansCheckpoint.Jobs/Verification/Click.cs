namespace OrleansCheckpoint.Jobs.Verification;

/// <summary>A click: its id, the user and page, and its event time (Unix milliseconds). One JSON line each.</summary>
/// <param name="Id">Unique per click.</param>
/// <param name="User">Who clicked (the key of the running totals and of the timers).</param>
/// <param name="Page">Where (the key of the windows).</param>
/// <param name="Ts">When, in Unix milliseconds.</param>
[GenerateSerializer, Immutable]
public sealed record Click(long Id, string User, string Page, long Ts);

/// <summary>What the timers of <see cref="VerificationJob"/> emit: the clicks of one user in one bucket of event time, or part of them.</summary>
/// <param name="User">The user.</param>
/// <param name="Bucket">The bucket's start (Unix milliseconds).</param>
/// <param name="Count">Clicks counted since the bucket's last emission.</param>
[GenerateSerializer, Immutable]
public sealed record BucketCount(string User, long Bucket, long Count);
