namespace OrleansCheckpoint.Cli;

/// <summary>Finds the error that matters inside one Orleans may have wrapped (inner exceptions, aggregates).</summary>
internal static class ErrorCauses
{
    /// <summary><paramref name="error"/> or the first of its causes that is a <typeparamref name="T"/>, if any.</summary>
    public static T? Find<T>(Exception error)
        where T : Exception => Errors.ExceptionCauses.Find<T>(error);

    /// <summary>The first line of an error message (Orleans adds details on the lines after it).</summary>
    public static string FirstLine(string message) => Errors.ExceptionCauses.FirstLine(message);
}
