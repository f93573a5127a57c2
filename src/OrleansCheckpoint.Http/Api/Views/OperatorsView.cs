namespace OrleansCheckpoint.Http.Api.Views;

/// <summary><c>GET /jobs/{job}/operators</c>: every operator (chain) with its instances' figures.</summary>
internal sealed record OperatorsView(IReadOnlyList<OperatorMetricsView> Operators);
