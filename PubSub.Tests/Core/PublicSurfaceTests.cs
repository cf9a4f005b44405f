using PubSub.Core;
using PubSub.Tests.Infrastructure;

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

    [Fact]
    public void Docs_architecture_names_each_public_type_and_their_count()
    {
        var doc = File.ReadAllText(Path.Combine(Repository.RequiredRoot, "docs", "architecture.md")).ReplaceLineEndings("\n");
        var start = doc.IndexOf("\n## Core's public types\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/architecture.md has no section \"Core's public types\"");
        var end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? doc[start..] : doc[start..end];

        // Each as the doc writes it: namespace below PubSub.Core, generic parameters as <T>.
        var unnamed = Expected
            .Select(name => name["PubSub.Core.".Length..])
            .Select(name => name.Contains('`', StringComparison.Ordinal) ? name[..name.IndexOf('`', StringComparison.Ordinal)] + "<T>" : name)
            .Where(name => !section.Contains($"`{name}`", StringComparison.Ordinal) && !section.Contains($"`{name.Split('.')[^1]}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(unnamed.Count == 0, "docs/architecture.md (\"Core's public types\") does not name: " + string.Join(", ", unnamed));
        Assert.Contains($"That is {Expected.Length} types", section);
    }
}
