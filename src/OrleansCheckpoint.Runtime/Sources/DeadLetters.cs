using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// The silo's dead-letter facility: gives each source instance that parses records a <see cref="DeadLetterWriter"/>
/// for the location its job names (<c>container/prefix</c>), or the default one, <c>dead-letters</c> in the silo's
/// output container.
/// </summary>
internal sealed class DeadLetters(IDeadLetterStore store, string outputContainer)
{
    public IDeadLetterStore Store { get; } = store;

    /// <summary>The location <paramref name="location"/> names, or the default one; throws <see cref="FormatException"/> if it names none.</summary>
    public DeadLetterLocation LocationOf(string? location) => DeadLetterLocation.Parse(location, outputContainer);

    /// <summary>The writer of source instance <paramref name="source"/>'s dead letters to <paramref name="location"/> (null: the default).</summary>
    public DeadLetterWriter WriterFor(TaskId source, string? location) => new(Store, LocationOf(location), source);
}
