using OrleansCheckpoint.Jobs.RequestCounter;

namespace OrleansCheckpoint.Cli.Demo;

/// <summary>
/// What the demo pushes: <paramref name="Events"/> requests of the generator with <paramref name="Seed"/>, into a job with
/// <paramref name="Parallelism"/>, at about <paramref name="Rate"/> events per second of wall-clock time (0: as fast as it can).
/// </summary>
internal sealed record DemoSettings(long Events, int Parallelism, int Seed, double Rate = DemoSettings.DefaultRate)
{
    /// <summary>50,000 requests take about 2 s: long enough for a few of the default 1-second checkpoints during the push.</summary>
    public const double DefaultRate = 25_000;

    /// <summary>Requests per second of event time: 50,000 requests span 50 s, five 10-second windows.</summary>
    public const double EventTimeRate = 1000;

    /// <summary>One request in a thousand is 30 s late, so that the job drops some.</summary>
    public const double LateFraction = 0.001;

    public RequestGenerator NewGenerator() => new(Seed, EventTimeRate, LateFraction);
}
