using Bunit;
using PubSub.Dashboard.Components.Pages;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

public sealed class SubscriberPageTests : DashboardTestContext
{
    [Fact]
    public void Renders_topic_last_n_and_subscribe()
    {
        var cut = Render<Subscriber>();

        Assert.Equal("Subscriber", cut.Find("h1").TextContent.Trim());
        Assert.NotNull(cut.FindByLabel("Topic"));
        Assert.NotNull(cut.FindByLabel("last_n"));
        Assert.NotNull(cut.FindButton("Subscribe"));
        Assert.Contains("Not subscribed", cut.Find("[aria-label='Connection status']").TextContent);
    }

    [Fact]
    public async Task Subscribing_replays_last_n_then_shows_live_messages_newest_first()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        await PublishAsync("orders", "{\"order_id\":\"ORD-OLD\"}").Within();
        var cut = Render<Subscriber>();

        await cut.InputAsync("Topic", "orders");
        await cut.SubmitAsync();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("ORD-OLD", cut.Find("[role='log']").TextContent);
            Assert.Contains("Live", cut.Find("[aria-label='Connection status']").TextContent);
        }, Wait);

        await PublishAsync("orders", "{\"order_id\":\"ORD-NEW\"}").Within();

        cut.WaitForAssertion(() =>
        {
            var log = cut.Find("[role='log']").TextContent;
            Assert.Contains("ORD-NEW", log);
            Assert.True(log.IndexOf("ORD-NEW", StringComparison.Ordinal) < log.IndexOf("ORD-OLD", StringComparison.Ordinal), "newest first");
            Assert.Contains("2", cut.Find("[aria-label='Subscriptions'] td.num").TextContent);
        }, Wait);
    }

    [Fact]
    public async Task Several_topics_at_once_with_their_own_counters()
    {
        await Broker.CreateTopicAsync("a").AsTask().Within();
        await Broker.CreateTopicAsync("b").AsTask().Within();
        var cut = Render<Subscriber>();
        foreach (var topic in new[] { "a", "b" })
        {
            await cut.InputAsync("Topic", topic);
            await cut.SubmitAsync();
        }

        await PublishAsync("a", "{\"x\":\"from-a\"}").Within();
        await PublishAsync("b", "{\"x\":\"from-b\"}").Within();
        await PublishAsync("b", "{\"x\":\"from-b-2\"}").Within();

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[aria-label='Subscriptions'] tbody tr").Select(r => r.TextContent).ToList();
            Assert.Equal(2, rows.Count);
            Assert.Contains(rows, r => r.Contains('a') && r.Contains('1'));
            Assert.Contains(rows, r => r.Contains('b') && r.Contains('2'));
            Assert.Contains("from-b-2", cut.Find("[role='log']").TextContent);
        }, Wait);
    }

    [Fact]
    public async Task An_unknown_topic_is_reported_inline()
    {
        var cut = Render<Subscriber>();

        await cut.InputAsync("Topic", "nope");
        await cut.SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("Topic \"nope\" does not exist", cut.Markup), Wait);
    }

    [Fact]
    public async Task Pause_holds_the_list_and_resume_catches_up_and_clear_empties_it()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<Subscriber>();
        await cut.InputAsync("Topic", "orders");
        await cut.SubmitAsync();
        await PublishAsync("orders", "{\"n\":\"first\"}").Within();
        cut.WaitForAssertion(() => Assert.Contains("first", cut.Find("[role='log']").TextContent), Wait);

        await cut.ClickAsync("Pause");
        await PublishAsync("orders", "{\"n\":\"during-pause\"}").Within();
        cut.WaitForAssertion(() => Assert.Contains("2", cut.Find("[aria-label='Subscriptions'] td.num").TextContent), Wait);
        Assert.DoesNotContain("during-pause", cut.Find("[role='log']").TextContent);

        await cut.ClickAsync("Resume");
        cut.WaitForAssertion(() => Assert.Contains("during-pause", cut.Find("[role='log']").TextContent), Wait);

        await cut.ClickAsync("Clear");
        cut.WaitForAssertion(() => Assert.DoesNotContain("during-pause", cut.Find("[role='log']").TextContent), Wait);
    }

    [Fact]
    public async Task Filter_keeps_only_matching_messages()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<Subscriber>();
        await cut.InputAsync("Topic", "orders");
        await cut.SubmitAsync();
        await PublishAsync("orders", "{\"n\":\"apple\"}").Within();
        await PublishAsync("orders", "{\"n\":\"banana\"}").Within();
        cut.WaitForAssertion(() => Assert.Contains("banana", cut.Find("[role='log']").TextContent), Wait);

        await cut.InputAsync("Filter", "apple");

        cut.WaitForAssertion(() =>
        {
            var log = cut.Find("[role='log']").TextContent;
            Assert.Contains("apple", log);
            Assert.DoesNotContain("banana", log);
        }, Wait);
    }

    [Fact]
    public async Task A_deleted_topic_is_marked()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<Subscriber>();
        await cut.InputAsync("Topic", "orders");
        await cut.SubmitAsync();
        cut.WaitForAssertion(() => Assert.Contains("orders", cut.Find("[aria-label='Subscriptions']").TextContent), Wait);

        await Broker.DeleteTopicAsync("orders").AsTask().Within();

        cut.WaitForAssertion(() => Assert.Contains("deleted", cut.Find("[aria-label='Subscriptions']").TextContent), Wait);
    }
}
