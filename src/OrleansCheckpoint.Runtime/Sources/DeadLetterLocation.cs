using System.Text.RegularExpressions;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// Where a source's dead letters go: a blob container and a prefix in it, written <c>container/prefix</c> in a job
/// (the prefix may be empty or hold slashes). A source that names none writes to <see cref="DefaultPrefix"/> in the
/// silo's output container.
/// </summary>
internal sealed partial record DeadLetterLocation(string Container, string Prefix)
{
    /// <summary>The prefix in the output container of a source that names no location.</summary>
    public const string DefaultPrefix = "dead-letters";

    /// <summary>
    /// The location <paramref name="value"/> names (<c>container/prefix</c>), or the default one in
    /// <paramref name="outputContainer"/> when it is null. Throws <see cref="FormatException"/> naming what is wrong.
    /// </summary>
    public static DeadLetterLocation Parse(string? value, string outputContainer)
    {
        if (value is null)
        {
            return new DeadLetterLocation(outputContainer, DefaultPrefix);
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? value : value[..slash];
        var prefix = slash < 0 ? string.Empty : value[(slash + 1)..].Trim('/');
        if (Problem(container) is { } problem)
        {
            throw new FormatException($"The dead-letter location '{value}' does not start with a blob container name: {problem}.");
        }

        return new DeadLetterLocation(container, prefix);
    }

    /// <summary>Why <paramref name="container"/> is not a blob container name, or null if it is one.</summary>
    public static string? Problem(string container) =>
        ContainerName().IsMatch(container) && !container.Contains("--", StringComparison.Ordinal)
            ? null
            : $"'{container}' must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit";

    /// <summary>
    /// The blob of a letter: <c>prefix/job/source/origin/position</c>, the position zero-padded so that a listing is in
    /// order. One name per letter, so writing it again (a replay) finds it there and adds nothing.
    /// </summary>
    public string BlobName(string job, string source, DeadLetter letter)
    {
        var name = $"{job}/{source}/{letter.Origin.Trim('/')}/{letter.Position:D12}.jsonl";
        return Prefix.Length == 0 ? name : $"{Prefix}/{name}";
    }

    /// <inheritdoc />
    public override string ToString() => Prefix.Length == 0 ? Container : $"{Container}/{Prefix}";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();
}
