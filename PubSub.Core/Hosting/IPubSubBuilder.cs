using Microsoft.Extensions.DependencyInjection;

namespace PubSub.Core.Hosting;

/// <summary>Returned by <c>AddPubSub</c>, for engine and feature registrations to chain on.</summary>
public interface IPubSubBuilder
{
    IServiceCollection Services { get; }
}
