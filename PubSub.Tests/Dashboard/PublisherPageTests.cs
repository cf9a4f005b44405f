using Bunit;
using PubSub.Dashboard.Components.Pages;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

public sealed class PublisherPageTests : DashboardTestContext
{
    [Fact]
    public void Renders_topic_and_payload_fields_the_publish_button_and_templates()
    {
        var cut = Render<Publisher>();

        Assert.Equal("Publisher", cut.Find("h1").TextContent.Trim());
        Assert.NotNull(cut.FindByLabel("Topic"));
        Assert.NotNull(cut.FindByLabel("Payload"));
        Assert.NotNull(cut.FindButton("Publish"));
        foreach (var template in new[] { "Order", "Notification", "Chat", "Sensor reading" })
        {
            Assert.NotNull(cut.FindButton(template));
        }
    }

    [Fact]
    public async Task Invalid_JSON_is_reported_as_you_type_and_disables_publish()
    {
        var cut = Render<Publisher>();

        await cut.InputAsync("Payload", "{\"order_id\": ");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Invalid JSON", cut.Markup);
            Assert.True(cut.FindButton("Publish").HasAttribute("disabled"));
        }, Wait);

        await cut.InputAsync("Payload", "{\"order_id\": 1}");

        cut.WaitForAssertion(() =>
        {
            Assert.DoesNotContain("Invalid JSON", cut.Markup);
            Assert.False(cut.FindButton("Publish").HasAttribute("disabled"));
        }, Wait);
    }

    [Fact]
    public async Task Publishes_to_the_broker_and_counts_it()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<Publisher>();

        await cut.InputAsync("Topic", "orders");
        await cut.InputAsync("Payload", "{\"order_id\":\"ORD-42\"}");
        await cut.ClickAsync("Publish");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("Published to orders: seq 1", cut.Markup);
            Assert.Equal("1", cut.Find("[data-stat='Published']").TextContent.Trim());
        }, Wait);
        var page = await Broker.ReadMessagesAsync("orders", 0, 10).AsTask().Within();
        Assert.Contains("ORD-42", System.Text.Encoding.UTF8.GetString(page!.Messages.Single().Payload.Span));
    }

    [Fact]
    public async Task A_template_fills_the_payload()
    {
        var cut = Render<Publisher>();

        await cut.ClickAsync("Chat");

        Assert.Contains("\"room\"", cut.FindByLabel("Payload").GetAttribute("value") ?? cut.FindByLabel("Payload").TextContent);
    }

    [Fact]
    public async Task Publishing_to_an_unknown_topic_is_logged_as_a_failure()
    {
        var cut = Render<Publisher>();

        await cut.InputAsync("Topic", "nope");
        await cut.ClickAsync("Publish");

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("does not exist", cut.Find("[role='log']").TextContent);
            Assert.Equal("1", cut.Find("[data-stat='Failed']").TextContent.Trim());
        }, Wait);
    }

    [Fact]
    public async Task A_burst_sends_N_messages()
    {
        await Broker.CreateTopicAsync("burst").AsTask().Within();
        var cut = Render<Publisher>();

        await cut.InputAsync("Topic", "burst");
        cut.FindByLabel("Messages").Change("30");
        cut.FindByLabel("Rate (per second)").Change("1000");
        await cut.ClickAsync("Start burst");

        cut.WaitForAssertion(() => Assert.Contains("Burst finished: 30 of 30 sent to burst", cut.Markup), Wait);
        Assert.Equal(30, (await Broker.GetTopicAsync("burst").AsTask().Within())!.LastSeq);
    }
}
