using System.CommandLine;
using OrleansCheckpoint.Cli.Demo;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client demo [--events N] [--parallelism P] [--seed S] [--rate R]</c></summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "How many requests to push", HelpName = "N", DefaultValueFactory = _ => 50_000 }.MustBePositive();
        var parallelism = new Option<int>("--parallelism") { Description = "Instances per operator", HelpName = "P", DefaultValueFactory = _ => 2 }.MustBePositive();
        var seed = new Option<int>("--seed") { Description = "The request generator's seed", HelpName = "S", DefaultValueFactory = _ => 1 };
        var rate = new Option<double>("--rate")
        {
            Description = "Push about R events per second, so that checkpoints happen during the push; 0 for as fast as possible",
            HelpName = "R",
            DefaultValueFactory = _ => DemoSettings.DefaultRate,
        }.MustBe(r => r >= 0, "0 or above");
        var command = new Command(
            "demo",
            "Run everything in this process — Azurite, a silo, the request-counter job — push generated requests, and check the job's answers")
        {
            events, parallelism, seed, rate,
        };
        command.SetLocalAction((parse, output, cancellation) =>
        {
            var settings = new DemoSettings(parse.GetValue(events), parse.GetValue(parallelism), parse.GetValue(seed), parse.GetValue(rate));
            var ids = GlobalOptions.ConnectionOf(parse);
            return new DemoScenario(settings, output).RunAsync(ids, cancellation);
        });
        return command;
    }
}
