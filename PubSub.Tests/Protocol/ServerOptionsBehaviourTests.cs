using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using PubSub.Core;
using PubSub.Core.Engine;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>Server options that change protocol behaviour, and the INTERNAL error path.</summary>
public sealed class ServerOptionsBehaviourTests
{
    [Fact]
    public async Task The_default_address_is_the_seeds_port_8000()
    {
        var app = PubSubServer.Build(["--environment=Testing"]);
        await using var appDisposal = app.DisposeWithin();
        Assert.Equal("http://localhost:8000", app.Configuration[WebHostDefaults.ServerUrlsKey]);
        var overridden = PubSubServer.Build(["--urls=http://127.0.0.1:9999"]);
        await using var overriddenDisposal = overridden.DisposeWithin();
        Assert.Equal("http://127.0.0.1:9999", overridden.Configuration[WebHostDefaults.ServerUrlsKey]);
    }

    [Fact]
    public async Task Kestrel_inline_scheduling_is_on_by_default_and_can_be_turned_off()
    {
        var app = PubSubServer.Build(["--environment=Testing"]);
        await using var appDisposal = app.DisposeWithin();
        Assert.True(app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);

        var off = PubSubServer.Build(["--environment=Testing", $"--{PubSubServer.InlineSchedulingKey}=false"]);
        await using var offDisposal = off.DisposeWithin();
        Assert.False(off.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }

    [Fact]
    public async Task AutoCreateTopics_creates_on_first_subscribe_or_publish_as_the_seed_did()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:AutoCreateTopics"] = "true" });
        await using var client = await server.ConnectAsync();
        WireAssert.IsAck(await client.SubscribeAsync("born-on-subscribe", requestId: "s"), "born-on-subscribe", "s");
        await client.PublishAsync("born-on-publish", new { x = 1 }, requestId: "p");
        WireAssert.IsAck(await client.ReceiveAsync(), "born-on-publish", "p");
        var (_, topics) = await server.SendAsync(HttpMethod.Get, "/topics");
        Assert.Equal(["born-on-publish", "born-on-subscribe"], topics.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task With_the_UUID_check_off_any_non_empty_id_is_kept_and_the_publisher_id_is_in_history()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:RequireUuidMessageIds"] = "false" });
        await server.CreateTopicAsync("orders");
        await using var client = await server.ConnectAsync();
        await client.SubscribeAsync("orders");
        await client.PublishAsync("orders", 1, id: "order-42", clientId: "publisher7");
        Assert.Equal("order-42", (await client.ExpectAsync("event")).GetProperty("message").GetProperty("id").GetString());
        await client.ExpectAsync("ack");
        var (_, page) = await server.SendAsync(HttpMethod.Get, "/api/topics/orders/messages/");
        Assert.Equal("publisher7", page.GetProperty("messages")[0].GetProperty("publisher_id").GetString());
    }

    [Fact]
    public async Task An_unexpected_failure_is_INTERNAL_with_the_request_id_and_the_connection_survives()
    {
        await using var server = await TestServer.StartAsync(services: services =>
        {
            services.RemoveAll<IPubSubEngine>();
            services.AddSingleton<InMemoryEngine>();
            services.AddSingleton<IPubSubEngine>(sp => new FailingEngine(sp.GetRequiredService<InMemoryEngine>()));
        });
        await server.CreateTopicAsync("boom");
        await server.CreateTopicAsync("fine");
        await using var client = await server.ConnectAsync();
        await client.PublishAsync("boom", 1, requestId: "r-boom");
        WireAssert.IsError(await client.ReceiveAsync(), "INTERNAL", "r-boom");
        await client.PublishAsync("fine", 1, requestId: "r-fine");
        WireAssert.IsAck(await client.ReceiveAsync(), "fine", "r-fine");

        var (status, body) = await server.SendAsync(HttpMethod.Post, "/api/topics/boom/messages/", "{\"payload\":1}");
        Assert.Equal(500, status);
        Assert.Equal("INTERNAL", body.GetProperty("code").GetString());
    }

    /// <summary>The real engine, but publishing to "boom" fails the way a bug or a lost backend would.</summary>
    private sealed class FailingEngine(IPubSubEngine inner) : IPubSubEngine
    {
        public ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default) => inner.CreateTopicAsync(name, metadata, quota, cancellationToken);

        public ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default) => inner.DeleteTopicAsync(name, cancellationToken);

        public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) => inner.GetTopicAsync(name, cancellationToken);

        public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) => inner.ListTopicsAsync(cancellationToken);

        public ValueTask<PublishReceipt?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
            topic == "boom" ? throw new InvalidOperationException("simulated engine failure") : inner.PublishAsync(topic, id, payload, publisherId, idempotencyKey, cancellationToken);

        public ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default) => inner.ReadHistoryAsync(topic, query, cancellationToken);

        public ValueTask<EpochReset?> ResetEpochAsync(string topic, string epoch, long keptThroughSeq, CancellationToken cancellationToken = default) =>
            inner.ResetEpochAsync(topic, epoch, keptThroughSeq, cancellationToken);

        public ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default) => inner.WatchAsync(topic, cancellationToken);

        public void Unwatch(string topic) => inner.Unwatch(topic);
    }
}
