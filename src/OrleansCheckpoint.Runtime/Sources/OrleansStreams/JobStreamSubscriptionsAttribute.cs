using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;

namespace OrleansCheckpoint.Runtime.Sources.OrleansStreams;

/// <summary>
/// Subscribes the grain it marks implicitly to every stream namespace that a registered job's source reads — as one
/// <see cref="ImplicitStreamSubscriptionAttribute"/> per namespace would, but with the namespaces taken from the silo's jobs
/// when the silo builds its grain manifest. The bindings are Orleans' own exact-namespace ones, so clients and other silos
/// read them without knowing this attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class JobStreamSubscriptionsAttribute : Attribute, IGrainBindingsProviderAttribute
{
    public IEnumerable<Dictionary<string, string?>> GetBindings(IServiceProvider services, Type grainClass, GrainType grainType)
    {
        var directory = services.GetService<StreamSourceDirectory>();
        return directory is null
            ? []
            : directory.Namespaces.SelectMany(ns => new ImplicitStreamSubscriptionAttribute(ns).GetBindings(services, grainClass, grainType));
    }
}
