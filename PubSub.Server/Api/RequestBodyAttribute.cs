namespace PubSub.Server.Api;

/// <summary>Names the body a controller action reads itself (see <see cref="JsonBody"/>), for the document.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequestBodyAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;
}
