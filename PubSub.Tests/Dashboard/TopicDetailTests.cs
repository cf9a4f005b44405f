using System.Text.Json;
using Bunit;
using PubSub.Dashboard.Components.Shared;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

public sealed class TopicDetailTests : DashboardTestContext
{
    [Fact]
    public async Task Shows_metadata_subscribers_with_transport_and_client_id_and_recent_messages()
    {
        await Broker.CreateTopicAsync("orders", JsonSerializer.SerializeToElement(new { description = "Shop orders" })).AsTask().Within();
        var connection = Broker.Connect("ws");
        await Broker.SubscribeAsync(connection, "orders", "client-7").AsTask().Within();
        await PublishAsync("orders", "{\"order_id\":\"ORD-1\"}").Within();

        var cut = Render<TopicDetail>(p => p.Add(c => c.Name, "orders"));

        Assert.Contains("Shop orders", cut.Markup);
        Assert.Contains("client-7", cut.Markup);
        Assert.Contains(">ws<", cut.Markup);
        Assert.Contains("ORD-1", cut.Markup);
    }

    [Fact]
    public async Task New_messages_and_subscribers_show_up_by_themselves()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<TopicDetail>(p => p.Add(c => c.Name, "orders"));
        Assert.Contains("Nothing published yet", cut.Markup);

        await PublishAsync("orders", "{\"order_id\":\"ORD-LIVE\"}").Within();
        var connection = Broker.Connect("signalr");
        await Broker.SubscribeAsync(connection, "orders", "hub-client").AsTask().Within();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("ORD-LIVE", cut.Markup);
            Assert.Contains("hub-client", cut.Markup);
        }, Wait);
    }

    [Fact]
    public async Task Pages_through_the_retained_history_newest_first()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        for (var i = 1; i <= 25; i++)
        {
            await PublishAsync("orders", $"{{\"n\":\"msg-{i:00}\"}}").Within();
        }

        var cut = Render<TopicDetail>(p => p.Add(c => c.Name, "orders"));
        Assert.Contains("msg-25", cut.Markup);
        Assert.DoesNotContain("msg-15", cut.Markup);

        await cut.ClickOnAsync("[aria-label='Page 2']");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("msg-15", cut.Markup);
            Assert.DoesNotContain("msg-25", cut.Markup);
        }, Wait);
    }

    [Fact]
    public void An_unknown_topic_says_so()
    {
        var cut = Render<TopicDetail>(p => p.Add(c => c.Name, "nope"));

        Assert.Contains("does not exist", cut.Markup);
    }
}
