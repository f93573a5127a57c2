namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>An error answer: what was wrong, naming the job, checkpoint or field.</summary>
internal sealed record ApiError(string Error);
