using PubSub.Core;

namespace PubSub.Tests.Core;

/// <summary>
/// Core's public face is a decision, not an accident: what a host, a transport adapter and a new engine need (see
/// docs/architecture.md, "Core's public types"). Everything else is internal.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly string[] Expected =
    [
        "PubSub.Core.Access.IPubSubAuthorizer",
        "PubSub.Core.Access.PubSubOperation",
        "PubSub.Core.BrokerStats",
        "PubSub.Core.Cluster.ClusterList`1",
        "PubSub.Core.Cluster.ClusterNode",
        "PubSub.Core.Cluster.ClusterOptions",
        "PubSub.Core.Cluster.ConnectionDetails",
        "PubSub.Core.Cluster.NodeReport",
        "PubSub.Core.Delivery.BrokerConnection",
                "PubSub.Core.Delivery.OutboundFrame",
        "PubSub.Core.Delivery.OutboundKind",
        "PubSub.Core.Engine.Redis.RedisEngineOptions",
        "PubSub.Core.HistoryOptions",
        "PubSub.Core.Hosting.PubSubServiceCollectionExtensions",
        "PubSub.Core.LimitOptions",
        "PubSub.Core.MessageDraft",
        "PubSub.Core.MessageEncoding`1",
        "PubSub.Core.MessagePage",
        "PubSub.Core.OverflowPolicy",
        "PubSub.Core.PubSubBroker",
        "PubSub.Core.PubSubErrorCode",
        "PubSub.Core.PubSubException",
        "PubSub.Core.PubSubOptions",
        "PubSub.Core.PublishOptions",
        "PubSub.Core.PublishReceipt",
        "PubSub.Core.PublishedMessage",
        "PubSub.Core.QueueOptions",
        "PubSub.Core.SubscribeOutcome",
        "PubSub.Core.SubscriberInfo",
        "PubSub.Core.TopicInfo",
    ];

    [Fact]
    public void Core_exports_exactly_the_listed_types()
    {
        var exported = typeof(PubSubBroker).Assembly.GetExportedTypes()
            .Select(t => t.FullName!)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.True(
            exported.SequenceEqual(Expected),
            "PubSub.Core's public types changed. Widening (or narrowing) the public surface is a decision: update this list " +
            "and the list in docs/architecture.md (\"Core's public types\") together, with a line saying why.\n" +
            $"Added: {string.Join(", ", exported.Except(Expected))}\nRemoved: {string.Join(", ", Expected.Except(exported))}\n" +
            $"Exported now ({exported.Length}):\n{string.Join("\n", exported)}");
    }
}
