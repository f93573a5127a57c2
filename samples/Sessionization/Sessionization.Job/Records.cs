namespace Sessionization;

/// <summary>A user viewed a page at <paramref name="Timestamp"/> (Unix milliseconds): what the producer sends.</summary>
[GenerateSerializer, Immutable]
public sealed record PageView([property: Id(0)] string User, [property: Id(1)] string Page, [property: Id(2)] long Timestamp);

/// <summary>A user's session: views no more than the gap apart, from the first to the last.</summary>
[GenerateSerializer, Immutable]
public sealed record Session([property: Id(0)] string User, [property: Id(1)] long Start, [property: Id(2)] long End, [property: Id(3)] int Views);

/// <summary>A user's closed sessions so far: how many, their views, the longest.</summary>
[GenerateSerializer, Immutable]
public sealed record UserSessions([property: Id(0)] int Sessions, [property: Id(1)] int Views, [property: Id(2)] long LongestMs);
