using System.Globalization;
using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A keyed process function with two value states: each account's balance, under the consistency function "no balance
/// is negative" (which names the state's value type), and the last amount moved, which nothing declares. Lines are
/// <c>account,amount</c>.
/// </summary>
public sealed class AccountBalancesJob : IStreamJob
{
    public const string Name = "inspect-balances";

    public void Build(JobBuilder job) =>
        job.Source("transfers", Parse)
            .KeyBy(t => t.Account)
            .Process("accounts", () => new Accounts())
            .WithValueStateInvariant("balance", StateInvariant<string, long>.ForEachEntry("no balance is negative", (_, balance) => balance >= 0));

    private static (string Account, long Amount) Parse(string line)
    {
        var comma = line.IndexOf(',', StringComparison.Ordinal);
        return (line[..comma], long.Parse(line[(comma + 1)..], CultureInfo.InvariantCulture));
    }

    private sealed class Accounts : KeyedProcessFunction<string, (string Account, long Amount), long>
    {
        public override void ProcessElement((string Account, long Amount) value, IKeyedContext<string> context, ICollector<long> output)
        {
            var balance = context.GetValueState<long>("balance");
            balance.Update(balance.Value + value.Amount);
            context.GetValueState<string>("last").Update(value.Amount.ToString(CultureInfo.InvariantCulture));
        }
    }
}
