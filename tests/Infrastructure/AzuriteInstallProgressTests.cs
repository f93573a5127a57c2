using OrleansCheckpoint.Azurite;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>Before the long first-run install, whoever starts Azurite hears what is happening (the demo and the bench print it).</summary>
public sealed class AzuriteInstallProgressTests
{
    [Fact]
    public async Task A_pinned_package_missing_from_node_modules_is_announced_before_npm_ci_runs()
    {
        var root = Directory.CreateTempSubdirectory("azurite-install-").FullName;
        try
        {
            // Azurite's launcher is there, but the dashboard's chart library is not: the install must run (npm ci then
            // refuses at once, as this folder has no package-lock.json; nothing is downloaded).
            File.WriteAllText(Path.Combine(root, "package.json"), """{ "devDependencies": { "azurite": "3.37.0", "chart.js": "4.6.1" } }""");
            Directory.CreateDirectory(Path.Combine(root, "node_modules", ".bin"));
            File.WriteAllText(Path.Combine(root, "node_modules", ".bin", "azurite"), string.Empty);
            Directory.CreateDirectory(Path.Combine(root, "node_modules", "azurite"));
            File.WriteAllText(Path.Combine(root, "node_modules", "azurite", "package.json"), "{}");
            var heard = new List<string>();

            var error = await Assert.ThrowsAsync<InvalidOperationException>(
                () => AzuriteProcess.StartAsync(new AzuriteStartOptions { RepositoryRoot = root, Progress = heard.Add }));

            var said = Assert.Single(heard);
            Assert.Contains("npm ci", said, StringComparison.Ordinal);
            Assert.Contains("first run only", said, StringComparison.Ordinal);
            Assert.EndsWith("chart.js…", said, StringComparison.Ordinal); // names what is missing, and only that
            Assert.Contains("npm ci failed", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
