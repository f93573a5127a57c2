namespace OrleansCheckpoint.Http.Api.Views;

/// <summary><c>GET /jobs</c>: every registered job.</summary>
internal sealed record JobsView(IReadOnlyList<JobOverview> Jobs);
