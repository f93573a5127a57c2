namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// What a source made with <see cref="JobBuilder.FromOrleansStream{T}"/> reads: every stream of
/// <paramref name="StreamNamespace"/> on the silo's stream provider <paramref name="ProviderName"/> (an Azure Queue
/// provider added with <c>AddCheckpointAzureQueueStreams</c>, or any persistent stream provider of the silo).
/// </summary>
/// <param name="ProviderName">The name of the stream provider, as registered in the silo.</param>
/// <param name="StreamNamespace">The stream namespace; each stream of it (one per stream key) is read.</param>
/// <param name="DeadLetters">
/// Where the events the source's parse function rejects go, <c>container/prefix</c>; <c>null</c>: <c>dead-letters</c> in the
/// silo's output container.
/// </param>
public sealed record OrleansStreamSubscription(string ProviderName, string StreamNamespace, string? DeadLetters = null);
