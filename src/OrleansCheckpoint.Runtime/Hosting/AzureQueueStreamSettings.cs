namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>
/// An Azure Queue stream provider that jobs read with <c>JobBuilder.FromOrleansStream</c> (see
/// <see cref="AzureQueueStreamSourceHosting.AddCheckpointAzureQueueStreams(ISiloBuilder, string, Action{AzureQueueStreamSettings}?)"/>), bound from
/// <c>OrleansCheckpoint:AzureQueueStreams:{provider name}</c> by <c>UseCheckpointSilo</c>.
/// </summary>
public sealed class AzureQueueStreamSettings
{
    /// <summary>The storage account's connection string. Default: the silo's (<c>OrleansCheckpoint:Storage:ConnectionString</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long a message read by a silo stays invisible to the others. A message whose silo died before its delivery
    /// completed is delivered again after it; one whose delivery takes longer is delivered twice (and logged once).
    /// Default 30 s (Azure Queue's own default).
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a pulling agent retries the delivery of a message (while the job restarts, say) before leaving it in the
    /// queue, to come back after <see cref="VisibilityTimeout"/>. Default 1 minute (Orleans' default).
    /// </summary>
    public TimeSpan MaxDeliveryTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each pulling agent reads its queue. Default 100 ms (Orleans' default).</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Checks the settings; throws <see cref="ArgumentException"/> naming the bad one of provider <paramref name="name"/>.</summary>
    internal void Validate(string name)
    {
        var section = $"{OrleansCheckpointOptions.SectionName}:AzureQueueStreams:{name}";
        if (ConnectionString is not null && StorageConnection.Problem(ConnectionString) is { } problem)
        {
            throw new ArgumentException($"{section}:ConnectionString: {problem}.");
        }

        foreach (var (setting, value, least) in new[]
                 {
                     (nameof(VisibilityTimeout), VisibilityTimeout, TimeSpan.FromSeconds(1)),
                     (nameof(MaxDeliveryTime), MaxDeliveryTime, TimeSpan.FromMilliseconds(100)),
                     (nameof(PollPeriod), PollPeriod, TimeSpan.FromMilliseconds(10)),
                 })
        {
            if (value < least)
            {
                throw new ArgumentException($"{section}:{setting} = {value} must be at least {least}.");
            }
        }
    }
}
