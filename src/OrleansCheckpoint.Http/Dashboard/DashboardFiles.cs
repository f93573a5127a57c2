using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.FileProviders;

namespace OrleansCheckpoint.Http.Dashboard;

/// <summary>
/// The dashboard at <c>/</c>: its page and script travel inside this assembly; the charting library (Chart.js, from the
/// repository's <c>npm ci</c>) is served at <c>/lib/</c> from the build output, or from <c>node_modules</c> above it.
/// Nothing is fetched at run time.
/// </summary>
internal static class DashboardFiles
{
    public const string ChartLibrary = "chart.umd.min.js";

    public static void Use(WebApplication app)
    {
        var page = new EmbeddedFileProvider(typeof(DashboardFiles).Assembly, "dashboard");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page });
        if (FindChartLibrary() is { } folder)
        {
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder), RequestPath = "/lib" });
        }
    }

    /// <summary>The folder holding <see cref="ChartLibrary"/>: beside the assembly, or in a <c>node_modules</c> above it or the current directory.</summary>
    public static string? FindChartLibrary()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "dashboard-lib");
        if (File.Exists(Path.Combine(beside, ChartLibrary)))
        {
            return beside;
        }

        return new[] { AppContext.BaseDirectory, Environment.CurrentDirectory }
            .SelectMany(Ancestors)
            .Select(d => Path.Combine(d.FullName, "node_modules", "chart.js", "dist"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, ChartLibrary)));
    }

    private static IEnumerable<DirectoryInfo> Ancestors(string path)
    {
        for (var directory = new DirectoryInfo(path); directory is not null; directory = directory.Parent)
        {
            yield return directory;
        }
    }
}
