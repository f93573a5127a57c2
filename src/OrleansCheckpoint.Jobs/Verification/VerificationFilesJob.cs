using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Verification;

/// <summary>
/// <see cref="VerificationJob"/>'s pipelines over clicks read from JSON-lines files, registered as
/// <c>verification-files</c>: the files under <c>verification-files/</c> in the silo's input container
/// (<c>OrleansCheckpoint:Storage:InputContainer</c>), each read once; the job finishes once they are read. Malformed
/// lines go to <c>dead-letters/</c> in the output container.
/// </summary>
public sealed class VerificationFilesJob : IStreamJob
{
    /// <summary>The name the job is registered under, and the prefix of its files in the input container.</summary>
    public const string Name = "verification-files";

    /// <inheritdoc />
    public void Build(JobBuilder job) =>
        VerificationJob.Pipelines(job.ReadLines("clicks", new FileSourceSettings($"/{Name}/"), JsonLines.Parser<Click>(), VerificationJob.Watermarks));
}
