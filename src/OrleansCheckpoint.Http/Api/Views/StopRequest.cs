namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>The body of <c>POST /jobs/{job}/stop</c>.</summary>
internal sealed record StopRequest(bool Drain = false);
