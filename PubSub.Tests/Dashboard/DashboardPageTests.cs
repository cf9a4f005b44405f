using Bunit;
using PubSub.Tests.Infrastructure;
using DashboardPage = PubSub.Dashboard.Components.Pages.Dashboard;

namespace PubSub.Tests.Dashboard;

public sealed class DashboardPageTests : DashboardTestContext
{
    [Fact]
    public void Renders_the_heading_the_stat_cards_and_an_empty_topic_table()
    {
        var cut = Render<DashboardPage>();

        Assert.Contains("Dashboard", cut.Find("h1").TextContent);
        foreach (var stat in new[] { "Topics", "Subscribers", "Uptime", "Connections", "In / s", "Out / s", "Drops" })
        {
            Assert.NotNull(cut.Find($"[data-stat='{stat}']"));
        }

        Assert.Contains("No topics yet", cut.Markup);
    }

    [Fact]
    public async Task A_topic_created_elsewhere_appears_by_itself()
    {
        var cut = Render<DashboardPage>();

        await Broker.CreateTopicAsync("orders").AsTask().Within();

        cut.WaitForAssertion(() =>
        {
            Assert.NotNull(cut.Find("[aria-label='Delete topic orders']"));
            Assert.Equal("1", cut.Find("[data-stat='Topics']").TextContent.Trim());
        }, Wait);
    }

    [Fact]
    public async Task Message_counts_update_live()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<DashboardPage>();

        await PublishAsync("orders", "{\"n\":1}").Within();
        await PublishAsync("orders", "{\"n\":2}").Within();

        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-stat='Published']").TextContent.Trim()), Wait);
    }

    [Fact]
    public async Task Delete_asks_for_confirmation_then_deletes()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<DashboardPage>();

        await cut.ClickOnAsync("[aria-label='Delete topic orders']");
        Assert.NotNull(await Broker.GetTopicAsync("orders").AsTask().Within());
        Assert.Contains("Delete topic", cut.Find("[role='alertdialog']").TextContent);

        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Delete").Click());

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[aria-label='Delete topic orders']")), Wait);
        Assert.Null(await Broker.GetTopicAsync("orders").AsTask().Within());
    }

    [Fact]
    public async Task Cancelling_the_confirmation_keeps_the_topic()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<DashboardPage>();

        await cut.ClickOnAsync("[aria-label='Delete topic orders']");
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Cancel").Click());

        Assert.Empty(cut.FindAll("[role='alertdialog']"));
        Assert.NotNull(await Broker.GetTopicAsync("orders").AsTask().Within());
    }

    [Fact]
    public async Task Picking_a_topic_shows_its_detail()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<DashboardPage>();

        await cut.ClickOnAsync("[aria-label='Details of topic orders']");

        Assert.NotNull(cut.Find("[role='region'][aria-label='Topic orders']"));
    }
}
