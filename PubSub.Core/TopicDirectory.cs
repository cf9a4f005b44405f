using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PubSub.Core.Access;
using PubSub.Core.Cluster;
using PubSub.Core.Engine;

namespace PubSub.Core;

/// <summary>
/// Creating and deleting topics: the checks of a create (name, metadata, the caller's <c>manage</c>, the quota the engine
/// enforces with it), the log line, this node's cached topic list and the broker's <c>TopicsChanged</c> notice
/// (<c>changed</c>: the name, and true for a create).
/// </summary>
internal sealed partial class TopicDirectory(IPubSubEngine engine, TopicCatalog catalog, PubSubOptions options, IPubSubAuthorizer access, ILogger logger, Action<string, bool> changed)
{
    /// <summary>A create by the host (<paramref name="asHost"/>: no key asked or counted) or by <paramref name="user"/>'s key.</summary>
    public async ValueTask<TopicInfo> CreateAsync(string? name, JsonElement? metadata, ClaimsPrincipal? user, bool asHost, CancellationToken cancellationToken)
    {
        if (!PubSubBroker.IsTopicName(name))
        {
            throw PubSubException.BadRequest(PubSubBroker.TopicNameError(name));
        }

        if (metadata is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            throw PubSubException.BadRequest("metadata must be a JSON object");
        }

        if (metadata is { ValueKind: JsonValueKind.Object } m && System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(m).Length > options.Limits.MaxMetadataBytes)
        {
            throw PubSubException.LimitExceeded("metadata too large", "PubSub:Limits:MaxMetadataBytes", options.Limits.MaxMetadataBytes);
        }

        if (!asHost)
        {
            access.Demand(user, PubSubOperation.Manage, name!);
        }

        var created = await engine.CreateTopicAsync(name!, metadata is { ValueKind: JsonValueKind.Object } ? metadata : null, QuotaOf(user), cancellationToken)
            ?? throw new PubSubException(PubSubErrorCode.TopicExists, "Topic already exists");
        Created(created);
        return created;
    }

    /// <summary>Deletes a topic; false when unknown.</summary>
    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (!PubSubBroker.IsTopicName(name) || !await engine.DeleteTopicAsync(name, cancellationToken))
        {
            return false;
        }

        Log.TopicDeleted(logger, name);
        catalog.Apply(deleted: name);
        changed(name, false);
        return true;
    }

    /// <summary>Create on first use (AutoCreateTopics, the seed dialect) is a create: <c>manage</c> on the topic, counted to the key.</summary>
    public async ValueTask EnsureAsync(string topic, ClaimsPrincipal? user, CancellationToken cancellationToken)
    {
        if (await engine.GetTopicAsync(topic, cancellationToken) is not null)
        {
            return;
        }

        if (!access.IsAllowed(user, PubSubOperation.Manage, topic))
        {
            throw new PubSubException(PubSubErrorCode.Forbidden, $"topic '{topic}' does not exist and this API key may not create it (manage)");
        }

        if (await engine.CreateTopicAsync(topic, null, QuotaOf(user), cancellationToken) is { } created)
        {
            Created(created);
        }
    }

    private void Created(TopicInfo created)
    {
        Log.TopicCreated(logger, created.Name);
        catalog.Apply(created: created);
        changed(created.Name, true);
    }

    // The bounds of a create, checked by the engine atomically with it; counted to the key only with auth on.
    private TopicQuota QuotaOf(ClaimsPrincipal? user) => new(
        access.Enabled ? IPubSubAuthorizer.KeyIdOf(user) : null,
        access.Enabled ? user?.Identity?.Name : null,
        options.Limits.MaxTopics,
        options.Limits.MaxTopicsPerKey);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Topic {Topic} created")]
        public static partial void TopicCreated(ILogger logger, string topic);

        [LoggerMessage(2, LogLevel.Information, "Topic {Topic} deleted")]
        public static partial void TopicDeleted(ILogger logger, string topic);
    }
}
