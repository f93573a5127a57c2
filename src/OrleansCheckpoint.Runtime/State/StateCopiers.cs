using Orleans.Serialization;
using Orleans.Serialization.Cloning;

namespace OrleansCheckpoint.Runtime.State;

/// <summary>
/// How keyed state copies the values a snapshot shares before they may be changed in place: with Orleans' deep copier
/// of the value type, or not at all when the type is immutable (primitives, strings, <c>[Immutable]</c> types).
/// </summary>
internal sealed record StateCopiers(IDeepCopierProvider Provider, DeepCopier Copier)
{

    /// <summary>The copy of a <typeparamref name="T"/> value, or null when its values need none.</summary>
    public Func<T, T>? For<T>()
    {
        if (Provider.GetDeepCopier<T>() is IOptionalDeepCopier optional && optional.IsShallowCopyable())
        {
            return null;
        }

        var copier = Copier.GetCopier<T>();
        return value => copier.Copy(value)!;
    }
}
