using System.CommandLine;
using OrleansCheckpoint.Cli.Chaos;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client chaos [--seeds 1..N] [--silos 3] [--events N] [--parallelism P] [--rate R]</c></summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var seeds = new Option<IReadOnlyList<int>>("--seeds")
        {
            Description = "The seeds to run: N (1 to N), A..B, or a list; each has its own cluster, input and fault schedule",
            HelpName = "1..N",
            DefaultValueFactory = _ => [1, 2, 3],
            CustomParser = result =>
            {
                if (ChaosSettings.TryParseSeeds(result.Tokens[^1].Value, out var parsed, out var error))
                {
                    return parsed;
                }

                result.AddError(error);
                return null;
            },
        };
        var silos = new Option<int>("--silos") { Description = "Silo processes per seed", HelpName = "N", DefaultValueFactory = _ => ChaosSettings.DefaultSilos }
            .MustBe(n => n >= 2, "2 or more (a silo is killed while the others run on)");
        var events = new Option<long>("--events") { Description = "Clicks pushed per seed", HelpName = "N", DefaultValueFactory = _ => ChaosSettings.DefaultEvents }.MustBePositive();
        var parallelism = new Option<int>("--parallelism") { Description = "Instances per operator", HelpName = "P", DefaultValueFactory = _ => ChaosSettings.DefaultParallelism }.MustBePositive();
        var rate = new Option<double>("--rate")
        {
            Description = "Push at most R clicks per second, so that the faults meet a running job; 0 for as fast as possible",
            HelpName = "R",
            DefaultValueFactory = _ => ChaosSettings.DefaultRate,
        }.MustBe(r => r >= 0, "0 or above");
        var command = new Command(
            "chaos",
            "Verify exactly-once under failure: per seed, run silo processes and the verification job, push clicks with late ones, " +
            "kill silos, deactivate instances and fail storage writes at seeded moments, drain, and compare what was committed with an oracle")
        {
            seeds, silos, events, parallelism, rate,
        };
        command.SetLocalAction((parse, output, cancellation) =>
        {
            var settings = new ChaosSettings(parse.GetRequiredValue(seeds), parse.GetValue(silos), parse.GetValue(events), parse.GetValue(parallelism), parse.GetValue(rate));
            return new ChaosScenario(settings, output).RunAsync(cancellation);
        });
        return command;
    }
}
