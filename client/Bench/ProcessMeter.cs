using System.Diagnostics;

namespace OrleansCheckpoint.Cli.Bench;

/// <summary>What this process (the silo, the generator sources and the client all run in it) and Azurite have used so far.</summary>
/// <param name="Cpu">This process's CPU time (all threads).</param>
/// <param name="AzuriteCpu">Azurite's CPU time, when this run started it (it is another process).</param>
/// <param name="Timestamp">When the sample was taken (<see cref="Stopwatch.GetTimestamp"/>).</param>
internal readonly record struct ResourceSample(TimeSpan Cpu, TimeSpan? AzuriteCpu, long Timestamp)
{
    public double SecondsSince(ResourceSample earlier) => Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds;
}

/// <summary>Samples CPU time and peak memory of this process (and of Azurite).</summary>
internal sealed class ProcessMeter(int? azuriteProcessId)
{
    private const string ClearRefs = "/proc/self/clear_refs";

    public ResourceSample Sample()
    {
        using var self = Process.GetCurrentProcess();
        return new ResourceSample(self.TotalProcessorTime, AzuriteCpu(), Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Resets the peak resident set size to the current one (Linux: writing 5 to <c>/proc/self/clear_refs</c>), so
    /// that <see cref="PeakRssMegabytes"/> is the peak of one run. Returns false where that is not possible: the
    /// peak is then the process's peak so far.
    /// </summary>
    public static bool TryResetPeakRss()
    {
        try
        {
            File.WriteAllText(ClearRefs, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    /// <summary>The peak resident set size (Process.PeakWorkingSet64), in MB.</summary>
    public static double PeakRssMegabytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1e6;
    }

    private TimeSpan? AzuriteCpu()
    {
        if (azuriteProcessId is not { } pid)
        {
            return null;
        }

        try
        {
            using var azurite = Process.GetProcessById(pid);
            return azurite.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
