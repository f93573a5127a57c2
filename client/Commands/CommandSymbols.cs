using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>Arguments and option rules that several commands share.</summary>
internal static class CommandSymbols
{
    public static Argument<string> Job() => new("job") { Description = "The job's registered name (see `client jobs`)" };

    /// <summary>An option whose value is a duration (see <see cref="Durations"/>); a value that is not one is a usage error naming the option.</summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "duration",
        CustomParser = result =>
        {
            var token = result.Tokens[^1].Value;
            if (Durations.TryParse(token, out var duration))
            {
                return duration;
            }

            result.AddError($"{name} must be a duration such as {Durations.Examples} (got {token}).");
            return null;
        },
    };

    /// <summary>
    /// An option whose value is one of <paramref name="names"/> (case-insensitive); another is a usage error that
    /// names the option and lists them.
    /// </summary>
    public static Option<T?> OneOf<T>(string name, string description, IReadOnlyDictionary<string, T> names)
        where T : struct
    {
        var listed = names.Count == 1 ? names.Keys.Single() : $"{string.Join(", ", names.Keys.SkipLast(1))} or {names.Keys.Last()}";
        return new(name)
        {
            Description = description,
            HelpName = string.Join('|', names.Keys),
            CustomParser = result =>
            {
                var token = result.Tokens[^1].Value;
                if (names.TryGetValue(token, out var value))
                {
                    return value;
                }

                result.AddError($"{name} must be {listed} (got {token}).");
                return null;
            },
        };
    }

    /// <summary>Rejects values of <paramref name="option"/> that are not above zero.</summary>
    public static Option<T> MustBePositive<T>(this Option<T> option)
        where T : struct, INumber<T> => option.MustBe(v => v > T.Zero, "above 0");

    /// <summary>Rejects values of <paramref name="option"/> that are not above zero.</summary>
    public static Option<T?> MustBePositive<T>(this Option<T?> option)
        where T : struct, INumber<T> => option.MustBe(v => v is not { } value || value > T.Zero, "above 0");

    /// <summary>Rejects values of <paramref name="option"/> for which <paramref name="rule"/> is false.</summary>
    public static Option<T> MustBe<T>(this Option<T> option, Func<T, bool> rule, string description)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.GetValueOrDefault<T>() is var value && !rule(value))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be {description} (got {result.Tokens[^1].Value})."));
            }
        });
        return option;
    }
}
