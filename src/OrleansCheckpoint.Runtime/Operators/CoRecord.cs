namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>A record of either input of a two-input operator, as its keyed process machinery sees it (never sent or stored).</summary>
/// <typeparam name="T1">The first input's record type.</typeparam>
/// <typeparam name="T2">The second input's record type.</typeparam>
internal readonly record struct CoRecord<T1, T2>(bool IsFirst, T1 First, T2 Second)
{
    public static CoRecord<T1, T2> OfFirst(T1 value) => new(true, value, default!);

    public static CoRecord<T1, T2> OfSecond(T2 value) => new(false, default!, value);
}
