namespace OrleansCheckpoint.Runtime.State;

/// <summary>Type names as a C# reader writes them (<c>Dictionary&lt;String, Int64&gt;</c>), for savepoints and the errors that compare them.</summary>
internal static class TypeNames
{
    public static string Of(Type type)
    {
        if (type.IsArray)
        {
            return $"{Of(type.GetElementType()!)}[]";
        }

        var name = type.IsNested && !type.IsGenericParameter ? $"{Of(type.DeclaringType!)}.{type.Name}" : type.Name;
        if (!type.IsGenericType)
        {
            return name;
        }

        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(", ", type.GetGenericArguments().Select(Of))}>";
    }
}

/// <summary>Checks a state table's types against those a savepoint recorded for it.</summary>
internal static class StateTypes
{
    /// <summary>Throws when <paramref name="saved"/> describes <paramref name="table"/> with other types than <paramref name="key"/> → <paramref name="value"/>.</summary>
    public static void Check(Checkpointing.StateTableType saved, string table, Type key, Type value)
    {
        if (saved.Table != table)
        {
            return;
        }

        var now = new Checkpointing.StateTableType(saved.Uid, table, TypeNames.Of(key), TypeNames.Of(value));
        if (now.KeyType != saved.KeyType || now.ValueType != saved.ValueType)
        {
            throw new Errors.IncompatibleSnapshotException(
                $"The state '{table}' of operator '{saved.Uid}' was {saved.Describe()} when the snapshot was taken; the job now keeps {now.Describe()}. " +
                "A state whose type changed cannot be restored: keep its type, or give the operator a new uid (its state then starts empty, and --allow-non-restored-state drops the old one).");
        }
    }
}
