using OrleansCheckpoint.Jobs.Nexmark;

namespace OrleansCheckpoint.Tests.Nexmark;

/// <summary>What q4 must produce, computed from the raw events (<see cref="NexmarkQueryTests.Query4Oracle"/>).</summary>
/// <param name="Auctions">The auctions with at least one valid bid.</param>
/// <param name="Averages">Per category, by category: the truncated average of its auctions' highest valid prices, over how many.</param>
/// <param name="ValidBids">The bids placed between their auction's opening and expiry.</param>
/// <param name="RisesInOrder">How many times an auction's highest valid price rises with the bids in generation order.</param>
internal sealed record Query4Expectation(int Auctions, List<CategoryPrice> Averages, int ValidBids, int RisesInOrder);
