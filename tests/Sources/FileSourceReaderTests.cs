using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.Sources;
using Xunit;

namespace OrleansCheckpoint.Tests.Sources;

/// <summary>
/// A file source instance without a cluster: its operator and reader over files in memory, batches queued and processed
/// as an instance's gate and loop would, snapshots serialized as a checkpoint stores them. The oracle is the files'
/// content: every good record emitted once, every bad one a dead letter once, across restores.
/// </summary>
public sealed class FileSourceReaderTests
{
    private const string Container = "input";
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(12)]
    public async Task Restored_from_a_snapshot_taken_with_batches_still_queued_every_record_is_emitted_once_and_every_bad_one_is_one_dead_letter(int processedBeforeSnapshot)
    {
        var world = new World();
        var (good, bad) = world.AddJsonFiles(files: 3, linesPerFile: 17);

        // A first run reads ahead of processing: its snapshot holds what was processed, not what was read.
        var first = new Harness(world, Lines(), snapshot: null);
        var snapshot = await first.RunUntilSnapshotAsync(processedBeforeSnapshot, readAhead: 2);
        var second = new Harness(world, Lines(), snapshot);
        await second.RunToEndAsync();

        var emitted = first.Emitted.Take(first.EmittedAtSnapshot).Concat(second.Emitted).ToList();
        Assert.Equal(good.Order(), emitted.Select(c => c.ToString()).Order());
        Assert.Equal(bad.Order(), world.DeadLetters().Select(l => $"{l.Origin}:{l.Position}").Order());
        Assert.Equal(bad.Count, second.Context.Counters.DeadLetters);
    }

    [Fact]
    public async Task Csv_rows_with_the_wrong_columns_bad_quoting_or_a_parse_error_become_dead_letters_and_the_rest_is_read_once_across_a_restore()
    {
        var world = new World();
        world.Add("day/1.csv", "user,time\nu1,1000\nu2,2000,extra\nu3,\"3000\"x\nu4,notanumber\n\"u5\",5000\nu6,6000\n");
        var settings = new FileSourceSettings($"{Container}/day/");
        var first = new Harness(world, Csv(settings), snapshot: null, batchSize: 2);
        var snapshot = await first.RunUntilSnapshotAsync(processed: 2, readAhead: 1);
        var second = new Harness(world, Csv(settings), snapshot, batchSize: 2);
        await second.RunToEndAsync();

        var emitted = first.Emitted.Take(first.EmittedAtSnapshot).Concat(second.Emitted).Select(c => c.ToString()).ToList();
        Assert.Equal(["u1@1000", "u5@5000", "u6@6000"], emitted);
        var letters = world.DeadLetters().OrderBy(l => l.Position).ToList();
        Assert.Equal([3L, 4, 5], letters.Select(l => l.Position));
        Assert.Contains("CsvColumns", letters[0].Error, StringComparison.Ordinal);
        Assert.Contains("CsvFormat", letters[1].Error, StringComparison.Ordinal);
        Assert.Contains("FormatException", letters[2].Error, StringComparison.Ordinal);
        Assert.Equal("u4,notanumber", letters[2].Record);
        Assert.Equal(3, second.Context.Counters.DeadLetters);
    }

    [Fact]
    public async Task Each_file_is_read_by_exactly_one_of_the_instances_in_name_order()
    {
        var world = new World();
        var (good, _) = world.AddJsonFiles(files: 12, linesPerFile: 3, badEvery: 0);

        var files = new List<string>();
        var emitted = new List<string>();
        for (var p = 0; p < 3; p++)
        {
            var harness = new Harness(world, Lines(), snapshot: null, partition: p, parallelism: 3);
            await harness.RunToEndAsync();
            var mine = harness.Emitted.Select(c => c.User).Distinct().ToList();
            Assert.Equal(mine.Order(StringComparer.Ordinal), mine); // the file names are the users: read in name order
            files.AddRange(mine);
            emitted.AddRange(harness.Emitted.Select(c => c.ToString()));
        }

        Assert.Equal(12, files.Count);
        Assert.Equal(12, files.Distinct().Count());
        Assert.Equal(good.Order(), emitted.Order());
    }

    [Fact]
    public async Task A_reader_whose_gate_is_full_reads_no_further_than_the_batch_it_waits_to_queue()
    {
        var world = new World();
        world.AddJsonFiles(files: 1, linesPerFile: 10_000, badEvery: 0);
        var harness = new Harness(world, Lines(), snapshot: null);
        using var stop = new CancellationTokenSource();
        var queued = 0;

        // A gate with room for two batches, never emptied: the third waits for room.
        var running = harness.RunAsync((_, c) => ++queued <= 2 ? Task.CompletedTask : Task.Delay(Timeout.Infinite, c), stop.Token);
        await Until(() => queued == 3);
        await Task.Delay(300);
        var read = harness.Read;
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(3, queued);
        Assert.Equal(3 * 4, read); // three batches of four lines of the 10,000
    }

    [Fact]
    public async Task Watching_a_prefix_reads_files_that_appear_later_also_ones_whose_names_sort_first()
    {
        var world = new World();
        world.Add("in/m.jsonl", Json("m", 1));
        var settings = new FileSourceSettings($"{Container}/in/") { DiscoveryInterval = TimeSpan.FromMilliseconds(20) };
        var harness = new Harness(world, Lines(settings), snapshot: null);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var running = harness.RunToEndAsync(stop.Token);

        await Until(() => harness.Emitted.Count == 1);
        world.Add("in/a.jsonl", Json("a", 2));
        world.Add("in/z.jsonl", Json("z", 3));
        await Until(() => harness.Emitted.Count == 3);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(["m@1", "a@2", "z@3"], harness.Emitted.Select(c => c.ToString()));
        Assert.Equal(3, ((FileSourceState)harness.Operator.SnapshotState(1)).Done.Length);
    }

    [Fact]
    public async Task A_location_without_a_container_reads_the_silos_input_container()
    {
        var world = new World();
        var (good, _) = world.AddJsonFiles(files: 2, linesPerFile: 3, badEvery: 0);
        var harness = new Harness(world, Lines(new FileSourceSettings("/in/")), snapshot: null);

        await harness.RunToEndAsync();

        Assert.Equal(good.Order(), harness.Emitted.Select(c => c.ToString()).Order());
        Assert.Throws<InvalidJobGraphException>(() => new JobBuilder("files").ReadLines("in", new FileSourceSettings("input") { DeadLetters = "/bad" }, line => line));
    }

    [Theory]
    [InlineData("Input/x")]
    [InlineData("ab")]
    [InlineData("-input")]
    public void A_file_source_whose_location_does_not_start_with_a_container_name_is_refused_when_the_job_is_built(string location)
    {
        var job = new JobBuilder("files");
        Assert.Throws<InvalidJobGraphException>(() => job.ReadLines("in", new FileSourceSettings(location), line => line));
        Assert.Throws<InvalidJobGraphException>(() => job.ReadLines("in2", new FileSourceSettings("input") { DeadLetters = location }, line => line));
        Assert.Throws<InvalidJobGraphException>(() => job.ReadLines("in3", new FileSourceSettings("input") { DiscoveryInterval = TimeSpan.Zero }, line => line));
    }

    private static FileSourceTransformation<Click> Lines(FileSourceSettings? settings = null) =>
        (FileSourceTransformation<Click>)new JobBuilder("files").ReadLines("clicks", settings ?? new FileSourceSettings($"{Container}/in/"), JsonLines.Parser<Click>(), WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Time))).Transformation;

    private static FileSourceTransformation<Click> Csv(FileSourceSettings settings) =>
        (FileSourceTransformation<Click>)new JobBuilder("files").ReadCsv("clicks", settings, row => new Click(row["user"], long.Parse(row["time"], System.Globalization.CultureInfo.InvariantCulture))).Transformation;

    private static string Json(string user, long time) => $"{{\"user\":\"{user}\",\"time\":{time}}}\n";

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    public sealed record Click(string User, long Time)
    {
        public override string ToString() => $"{User}@{Time}";
    }

    /// <summary>Files in memory and the dead letters written of them.</summary>
    private sealed class World
    {
        public MemorySourceFiles Files { get; } = new(inputContainer: Container);

        public MemoryDeadLetterStore Letters { get; } = new();

        public void Add(string name, string content) => Files.Files[(Container, name)] = Encoding.UTF8.GetBytes(content);

        /// <summary>Files <c>in/f00.jsonl</c> … of clicks by user fNN, out of order in time, every <paramref name="badEvery"/>th line malformed; the good records and the bad ones (file:line).</summary>
        public (List<string> Good, List<string> Bad) AddJsonFiles(int files, int linesPerFile, int badEvery = 5)
        {
            var (good, bad) = (new List<string>(), new List<string>());
            for (var f = 0; f < files; f++)
            {
                var name = $"in/f{f:D2}.jsonl";
                var content = new StringBuilder();
                for (var line = 1; line <= linesPerFile; line++)
                {
                    if (badEvery > 0 && line % badEvery == 0)
                    {
                        content.Append(line % 2 == 0 ? "{\"user\": broken\n" : "{\"user\":\"x\"}\n"); // malformed; a required field missing
                        bad.Add($"{name}:{line}");
                        continue;
                    }

                    var time = 1_000_000 + (line * 1000) - (line % 3 * 2500); // out of order
                    content.Append(Json($"f{f:D2}", time));
                    good.Add($"f{f:D2}@{time}");
                }

                Add(name, content.ToString());
            }

            return (good, bad);
        }

        public List<DeadLetter> DeadLetters() => [.. Letters.Blobs.Values.Select(b => DeadLetter.FromJsonLine(b.ToString()))];
    }

    /// <summary>One instance: the operator, its reader, and a gate whose batches are processed when the test says.</summary>
    private sealed class Harness : IChannelWriter, IRecordConsumer<Click>
    {
        private readonly World _world;
        private readonly IFileSourceOperator _source;
        private readonly Queue<ChannelBatch> _gate = new();
        private readonly int _partition;
        private readonly int _parallelism;
        private readonly int _batchSize;

        public Harness(World world, FileSourceTransformation<Click> source, object? snapshot, int partition = 0, int parallelism = 1, int batchSize = 4)
        {
            (_world, _partition, _parallelism, _batchSize) = (world, partition, parallelism, batchSize);
            Operator = (FileSourceOperator<Click>)source.Accept(OperatorFactory.Instance);
            _source = (IFileSourceOperator)Operator;
            Context = new OperatorContext(new TaskId("files", "clicks", partition), 128, KeyGroups.RangeOf(partition, 128, parallelism), null!, null!, null!, checkpointing: true);
            Operator.Open(Context);
            Operator.ConnectOutput(null, [this]);
            if (snapshot is not null)
            {
                Operator.RestoreState(Serializer.Deserialize<object>(Serializer.SerializeToArray(snapshot))!);
            }
        }

        public FileSourceOperator<Click> Operator { get; }

        public OperatorContext Context { get; }

        public List<Click> Emitted { get; } = [];

        public int EmittedAtSnapshot { get; private set; }

        /// <summary>Reads until <paramref name="processed"/> + <paramref name="readAhead"/> batches are queued, processes <paramref name="processed"/>, snapshots, and stops.</summary>
        public async Task<object> RunUntilSnapshotAsync(int processed, int readAhead)
        {
            using var stop = new CancellationTokenSource();
            object? snapshot = null;
            var reader = Reader((batch, _) =>
            {
                _gate.Enqueue(batch);
                if (_gate.Count == processed + readAhead)
                {
                    for (var i = 0; i < processed; i++)
                    {
                        Operator.ProcessBatch(_gate.Dequeue());
                    }

                    snapshot = Operator.SnapshotState(1);
                    EmittedAtSnapshot = Emitted.Count;
                    stop.Cancel();
                }

                return Task.CompletedTask;
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.RunAsync(1, stop.Token));
            return snapshot ?? throw new InvalidOperationException("the files ended before the snapshot");
        }

        public Task RunToEndAsync(CancellationToken cancellation = default) => Reader((batch, _) =>
        {
            Operator.ProcessBatch(batch);
            return Task.CompletedTask;
        }).RunAsync(2, cancellation);

        /// <summary>Reads into <paramref name="enqueue"/>, the instance's gate.</summary>
        public Task RunAsync(Func<ChannelBatch, CancellationToken, Task> enqueue, CancellationToken cancellation) => Reader(enqueue).RunAsync(3, cancellation);

        /// <summary>Records the reader read (parsed or sent to dead letters).</summary>
        public long Read { get; private set; }

        public void Accept(Click value, long timestamp)
        {
            Assert.True(timestamp == long.MinValue || timestamp == value.Time, "a record's timestamp is its event time (or none without a watermark strategy)");
            Emitted.Add(value);
        }

        public void EmitWatermark(long watermark)
        {
        }

        public void EmitEndOfInput(FinalCommit? finalCommit)
        {
        }

        public void EmitBarrier(CheckpointBarrier barrier)
        {
        }

        public void FlushPartial()
        {
        }

        public Task SendAsync() => Task.CompletedTask;

        private FileSourceReader Reader(Func<ChannelBatch, CancellationToken, Task> enqueue) => new(
            _source, _world.Files, new DeadLetterWriter(_world.Letters, new DeadLetterLocation("dl", string.Empty), Context.Task), Context.Task, _parallelism, _batchSize, enqueue)
        {
            OnRead = n => Read += n,
        };
    }
}
