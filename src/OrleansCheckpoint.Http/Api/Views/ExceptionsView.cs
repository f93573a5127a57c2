using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary><c>GET /jobs/{job}/exceptions</c> (Flink's exception history): the last failures, newest first.</summary>
internal sealed record ExceptionsView(IReadOnlyList<JobFailure> Entries, bool Truncated);
