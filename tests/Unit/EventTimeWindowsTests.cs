using OrleansCheckpoint.Dataflow;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class EventTimeWindowsTests
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(12_500, new long[] { 12_000, 10_000, 8_000, 6_000, 4_000 })]
    [InlineData(12_000, new long[] { 12_000, 10_000, 8_000, 6_000, 4_000 })]
    [InlineData(11_999, new long[] { 10_000, 8_000, 6_000, 4_000, 2_000 })]
    [InlineData(0, new long[] { 0, -2_000, -4_000, -6_000, -8_000 })]
    [InlineData(-1, new long[] { -2_000, -4_000, -6_000, -8_000, -10_000 })]
    [InlineData(-10_000, new long[] { -10_000, -12_000, -14_000, -16_000, -18_000 })]
    public void A_sliding_window_assigner_gives_every_window_that_holds_the_timestamp_latest_first(long timestamp, long[] starts)
    {
        var windows = SlidingEventTimeWindows.Of(TenSeconds, TimeSpan.FromSeconds(2));

        Assert.Equal(starts, Starts(windows, timestamp));
        Assert.Equal(starts[^1], windows.WindowStarts(timestamp).Earliest);
    }

    [Theory]
    [InlineData(10, 2)]
    [InlineData(10, 3)]
    [InlineData(10, 10)]
    [InlineData(7, 1)]
    [InlineData(1, 1)]
    public void Window_starts_are_the_multiples_of_the_slide_whose_window_holds_the_timestamp(int size, int slide)
    {
        var windows = size == slide
            ? (EventTimeWindows)TumblingEventTimeWindows.Of(TimeSpan.FromMilliseconds(size))
            : SlidingEventTimeWindows.Of(TimeSpan.FromMilliseconds(size), TimeSpan.FromMilliseconds(slide));

        for (long timestamp = -40; timestamp <= 40; timestamp++)
        {
            var expected = Enumerable.Range(-100, 200).Select(k => (long)k * slide).Where(s => s <= timestamp && timestamp < s + size).OrderDescending();
            Assert.Equal(expected, Starts(windows, timestamp));
        }
    }

    [Fact]
    public void A_tumbling_window_assigner_gives_one_window_per_timestamp()
    {
        var windows = TumblingEventTimeWindows.Of(TenSeconds);

        Assert.Equal([-10_000L], Starts(windows, -1));
        Assert.Equal([10_000L], Starts(windows, 19_999));
        Assert.Equal(windows.Size, windows.Slide);
    }

    [Fact]
    public void Walking_the_window_starts_allocates_nothing()
    {
        var windows = SlidingEventTimeWindows.Of(TenSeconds, TimeSpan.FromSeconds(1));
        long sum = 0;
        SumStarts(windows, 0, ref sum); // JIT first

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (long t = 0; t < 10_000; t++)
        {
            SumStarts(windows, t, ref sum);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotEqual(0, sum);
    }

    [Fact]
    public void Invalid_window_sizes_and_slides_are_refused_with_the_reason()
    {
        Assert.Contains("at least 1 ms", Assert.Throws<ArgumentOutOfRangeException>(() => SlidingEventTimeWindows.Of(TimeSpan.Zero, TimeSpan.Zero)).Message);
        Assert.Contains("slide must be at least 1 ms", Assert.Throws<ArgumentOutOfRangeException>(() => SlidingEventTimeWindows.Of(TenSeconds, TimeSpan.Zero)).Message);
        Assert.Contains("slide must be at least 1 ms", Assert.Throws<ArgumentOutOfRangeException>(() => SlidingEventTimeWindows.Of(TenSeconds, TimeSpan.FromSeconds(-2))).Message);
        var tooFar = Assert.Throws<ArgumentOutOfRangeException>(() => SlidingEventTimeWindows.Of(TenSeconds, TimeSpan.FromSeconds(11)));
        Assert.Equal("slide", tooFar.ParamName);
        Assert.Contains("must not exceed its size", tooFar.Message);
        Assert.Contains("whole number of milliseconds", Assert.Throws<ArgumentOutOfRangeException>(() => SlidingEventTimeWindows.Of(TenSeconds, TimeSpan.FromMilliseconds(1.5))).Message);
        Assert.Contains("at least 1 ms", Assert.Throws<ArgumentOutOfRangeException>(() => TumblingEventTimeWindows.Of(TimeSpan.FromMilliseconds(-5))).Message);
        Assert.Equal(SlidingEventTimeWindows.Of(TenSeconds, TenSeconds).WindowStarts(123), TumblingEventTimeWindows.Of(TenSeconds).WindowStarts(123)); // slide = size is allowed
    }

    private static List<long> Starts(EventTimeWindows windows, long timestamp)
    {
        var starts = new List<long>();
        foreach (var start in windows.WindowStarts(timestamp))
        {
            starts.Add(start);
        }

        return starts;
    }

    private static void SumStarts(EventTimeWindows windows, long timestamp, ref long sum)
    {
        foreach (var start in windows.WindowStarts(timestamp))
        {
            sum += start;
        }
    }
}
