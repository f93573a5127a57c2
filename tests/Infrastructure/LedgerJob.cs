using System.Globalization;
using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A test job with a consistency function: lines <c>account,amount</c> are summed per account (a rolling reduce) under
/// the rule "no balance is negative", and the balances go to a result table. A withdrawal larger than the balance breaks
/// the rule until a later deposit mends it; the committed balances are compared with <see cref="Balances"/>.
/// </summary>
public sealed class LedgerJob : IStreamJob
{
    /// <summary>Tolerates a few declined checkpoints (a passing violation).</summary>
    public const string Name = "ledger";

    /// <summary>Registered for a run that tolerates no failed checkpoint (a violation fails the job over).</summary>
    public const string StrictName = "ledger-strict";

    public const string Rule = "no balance is negative";

    public void Build(JobBuilder job) =>
        job.Source("transfers", Parse)
            .KeyBy(t => t.Account)
            .Reduce("balances", (a, b) => a with { Amount = a.Amount + b.Amount })
            .WithStateInvariant(Rule, (_, balance) => balance.Amount >= 0)
            .Map("amounts", kv => new KeyedValue<string, long>(kv.Key, kv.Value.Amount))
            .ToResultTable("balance-table");

    public static string Line(string account, long amount) => string.Create(CultureInfo.InvariantCulture, $"{account},{amount}");

    /// <summary>The oracle: each account's balance, summed here from the lines alone.</summary>
    public static Dictionary<string, string> Balances(IEnumerable<string> lines) =>
        lines.Select(l => l.Split(','))
            .GroupBy(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Sum().ToString(CultureInfo.InvariantCulture));

    private static Transfer Parse(string line)
    {
        var comma = line.IndexOf(',', StringComparison.Ordinal);
        return new Transfer(line[..comma], long.Parse(line[(comma + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>An amount moved in (positive) or out of an account.</summary>
    [GenerateSerializer, Immutable]
    public sealed record Transfer([property: Id(0)] string Account, [property: Id(1)] long Amount);
}
