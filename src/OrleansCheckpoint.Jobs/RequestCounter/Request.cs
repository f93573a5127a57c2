namespace OrleansCheckpoint.Jobs.RequestCounter;

/// <summary>
/// One request to a service, as pushed in JSON lines:
/// <c>{"endpoint": "/api/orders", "user": "u17", "timestamp": "2026-11-24T10:00:01.250Z"}</c>.
/// Every field is required.
/// </summary>
/// <param name="Endpoint">The path that was requested.</param>
/// <param name="User">Who requested it.</param>
/// <param name="Timestamp">When (event time).</param>
[GenerateSerializer, Immutable]
public sealed record Request(
    [property: Id(0)] string Endpoint,
    [property: Id(1)] string User,
    [property: Id(2)] DateTimeOffset Timestamp);
