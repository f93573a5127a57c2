using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Tests.Infrastructure;

namespace OrleansCheckpoint.Tests.Sources;

/// <summary>
/// Jobs that read clicks from files in the cluster fixture's files container, under a prefix of their own name: the
/// shape of <see cref="LateClicksJob"/> (5 s page windows to part files, user totals to a result table), so
/// <see cref="ClickWindows"/> checks them. The clicks source has one instance, so the windows' watermark comes from one
/// channel and which clicks are late is decided by the files alone. A slow job parses slowly, so a failure finds it mid-file.
/// </summary>
public sealed class FileClicksJob(string container, string name, bool slow = false, TimeSpan? watch = null) : IStreamJob
{
    public const string Bounded = "files-clicks";
    public const string Deactivated = "files-deactivate";
    public const string Killed = "files-kill";
    public const string Watched = "files-watch";
    public const string Resumed = "files-resume";
    private int _parsed;

    public static void Register(IServiceCollection services, Func<string> container)
    {
        services.AddStreamJob(Bounded, () => new FileClicksJob(container(), Bounded));
        services.AddStreamJob(Deactivated, () => new FileClicksJob(container(), Deactivated, slow: true));
        services.AddStreamJob(Killed, () => new FileClicksJob(container(), Killed, slow: true));
        services.AddStreamJob(Watched, () => new FileClicksJob(container(), Watched, watch: TimeSpan.FromMilliseconds(200)));
        services.AddStreamJob(Resumed, () => new FileClicksJob(container(), Resumed, watch: TimeSpan.FromMilliseconds(200)));
        services.AddStreamJob(FileCsvJob.Name, () => new FileCsvJob(container()));
        services.AddStreamJob(FileCsvJob.Rescaled, () => new FileCsvJob(container(), FileCsvJob.Rescaled, watch: TimeSpan.FromMilliseconds(200)));
    }

    public void Build(JobBuilder job)
    {
        var parse = JsonLines.Parser<Click>();
        var clicks = job.ReadLines(
            "clicks",
            new FileSourceSettings($"{container}/{name}/") { DiscoveryInterval = watch },
            line =>
            {
                if (slow && Interlocked.Increment(ref _parsed) % 4 == 0)
                {
                    Thread.Sleep(1);
                }

                return parse(line);
            },
            WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts))).WithParallelism(1);
        clicks.KeyBy(c => c.Page).Window(TumblingEventTimeWindows.Of(LateClicksJob.WindowSize)).Count("page-windows").ToFiles("window-files");
        clicks.KeyBy(c => c.User).Count("user-totals").ToResultTable("user-table");
    }
}

/// <summary>CSV rows <c>user,page,ts</c> read by every instance of the job, counted per user into a result table; rejected rows to <c>bad-rows</c>.</summary>
public sealed class FileCsvJob(string container, string name = FileCsvJob.Name, TimeSpan? watch = null) : IStreamJob
{
    public const string Name = "files-csv";
    public const string Rescaled = "files-rescale";
    private int _parsed;

    public static string DeadLetters(string container) => $"{container}/bad-rows";

    public void Build(JobBuilder job) =>
        job.ReadCsv(
                "rows",
                new FileSourceSettings($"{container}/{name}/") { DeadLetters = DeadLetters(container), DiscoveryInterval = watch },
                row =>
                {
                    if (Interlocked.Increment(ref _parsed) % 4 == 0)
                    {
                        Thread.Sleep(1);
                    }

                    return new Click(row["user"], row["page"], long.Parse(row["ts"], NumberStyles.None, CultureInfo.InvariantCulture));
                })
            .KeyBy(c => c.User).Count("user-totals").ToResultTable("user-table");
}

/// <summary>
/// The clicks of a file, as the file's content defines them: on-time clicks (out of order within 80 ms), clicks 30 s late
/// (in the file after thousands of newer ones: late at the windows whatever the batches), and malformed lines (by line number).
/// </summary>
public sealed record ClickFile(string Name, string Content, List<Click> OnTime, List<Click> Late, List<long> BadLines)
{
    public IEnumerable<Click> All => OnTime.Concat(Late);

    /// <summary>Slice <paramref name="slice"/> (20 s, a click every 10 ms) as JSON lines, with late clicks and bad lines mixed in.</summary>
    public static ClickFile Json(string name, int slice)
    {
        var clicks = ClickWindows.Slice(slice);
        var (content, onTime, late, bad) = (new StringBuilder(), new List<Click>(), new List<Click>(), new List<long>());
        long line = 0;
        for (var i = 0; i < clicks.Count; i++)
        {
            var click = clicks[(i / 8 * 8) + (7 - (i % 8))]; // each group of 8 reversed: out of order by up to 70 ms
            Append(click);
            onTime.Add(click);
            if (i is 500 or 1_200)
            {
                var lateClick = click with { Ts = click.Ts - 30_000, User = "late" };
                Append(lateClick);
                late.Add(lateClick);
            }

            if (i is 300 or 1_700)
            {
                content.Append(i == 300 ? "{\"user\": \"u1\", \"page\":\n" : "{\"user\":\"u1\",\"ts\":5}\n"); // cut short; a required field missing
                bad.Add(++line);
            }
        }

        return new ClickFile(name, content.ToString(), onTime, late, bad);

        void Append(Click c)
        {
            content.Append(ClickWindows.Line(c)).Append('\n');
            line++;
        }
    }

    /// <summary>Slice <paramref name="slice"/> as CSV rows <c>user,page,ts</c> after a header, every 97th row malformed in one of three ways.</summary>
    public static ClickFile Csv(string name, int slice, int rows)
    {
        var (content, onTime, bad) = (new StringBuilder("user,page,ts\n"), new List<Click>(), new List<long>());
        long line = 1;
        foreach (var (click, i) in ClickWindows.Slice(slice).Take(rows).Select((c, i) => (c, i)))
        {
            line++;
            if (i % 97 == 50)
            {
                content.Append((i / 97 % 3) switch
                {
                    0 => $"{click.User},{click.Page}\n", // a field short
                    1 => $"{click.User},{click.Page},soon\n", // not a number
                    _ => $"{click.User},\"{click.Page}\"x,{click.Ts}\n", // bad quoting
                });
                bad.Add(line);
                continue;
            }

            content.Append(CultureInfo.InvariantCulture, $"{click.User},\"{click.Page}\",{click.Ts}\n");
            onTime.Add(click);
        }

        return new ClickFile(name, content.ToString(), onTime, [], bad);
    }

    public async Task UploadAsync(ClusterFixture fixture)
    {
        await Files(fixture).CreateIfNotExistsAsync();
        await Files(fixture).GetBlobClient(Name).UploadAsync(BinaryData.FromString(Content), overwrite: false);
    }

    public static BlobContainerClient Files(ClusterFixture fixture) => fixture.Container(fixture.FilesContainer);

    /// <summary>Every dead letter stored under <paramref name="prefix"/> of <paramref name="container"/>, as (file, line).</summary>
    public static async Task<List<(string File, long Line)>> DeadLettersAsync(BlobContainerClient container, string prefix)
    {
        var letters = new List<(string, long)>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            var line = (await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString();
            using var json = JsonDocument.Parse(line);
            letters.Add((json.RootElement.GetProperty("origin").GetString()!, json.RootElement.GetProperty("position").GetInt64()));
        }

        return letters;
    }
}
