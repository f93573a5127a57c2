namespace OrleansCheckpoint.Errors;

/// <summary>Finds the error that matters inside one that Orleans may have wrapped (inner exceptions, aggregates).</summary>
public static class ExceptionCauses
{
    /// <summary><paramref name="error"/> or the first of its causes that is a <typeparamref name="T"/>, if any.</summary>
    public static T? Find<T>(Exception error)
        where T : Exception => error switch
        {
            T match => match,
            AggregateException aggregate => aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(x => x is not null),
            { InnerException: { } inner } => Find<T>(inner),
            _ => null,
        };

    /// <summary>The first line of an error message (Orleans adds details on the lines after it).</summary>
    public static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd();
}
