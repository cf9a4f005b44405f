using Bunit;
using PubSub.Dashboard.Components.Pages;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

/// <summary>
/// The Nodes page over a cluster of one (the in-memory engine): this node, marked, with its live figures. Other nodes
/// joining and ageing out are <see cref="EndToEnd.ClusterDashboardEndToEndTests"/>, on a real Redis.
/// </summary>
public sealed class NodesPageTests() : DashboardTestContext(auth: Keys())
{
    private const string Reader = "reader-key-0123456789abcdef";
    private const string Publisher = "publisher-key-0123456789ab";

    private static AuthOptions Keys() => new()
    {
        Enabled = true,
        Keys =
        [
            new() { Key = Reader, Name = "reader", Topics = ["orders*"], Operations = ["read"] },
            new() { Key = Publisher, Name = "publisher", Operations = ["publish"] },
        ],
    };

    private string NodeRow => $"[data-node='{Broker.Node.Id}']";

    [Fact]
    public void Shows_this_node_marked_with_its_address_uptime_and_last_report()
    {
        SignInAs(Reader);

        var cut = Render<Nodes>();

        var row = cut.Find(NodeRow).Closest("tr")!;
        Assert.Contains("this node", row.TextContent);
        Assert.Single(cut.FindAll("[data-node]"));
        Assert.Equal("0 s ago", row.QuerySelector("td[data-label='Last seen']")!.TextContent.Trim());
        Assert.EndsWith("s", row.QuerySelector("td[data-label='Uptime']")!.TextContent.Trim());
        Assert.Contains("In-memory engine", cut.Find("[role='note']").TextContent);
    }

    [Fact]
    public async Task Connections_and_subscriptions_update_live()
    {
        SignInAs(Reader);
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<Nodes>();
        Assert.Equal("0", cut.Find(NodeRow).Closest("tr")!.QuerySelector("td[data-label='Connections']")!.TextContent.Trim());

        var connection = Broker.Connect("ws");
        await Broker.SubscribeAsync(connection, "orders", "c1").AsTask().Within();

        cut.WaitForAssertion(() =>
        {
            var row = cut.Find(NodeRow).Closest("tr")!;
            Assert.Equal("1", row.QuerySelector("td[data-label='Connections']")!.TextContent.Trim());
            Assert.Equal("1", row.QuerySelector("td[data-label='Subscriptions']")!.TextContent.Trim());
        }, Wait);
    }

    [Fact]
    public void A_key_without_read_is_refused_the_list()
    {
        SignInAs(Publisher);

        var cut = Render<Nodes>();

        Assert.Contains("Refused: this API key may not read", cut.Find("[role='alert']").TextContent);
        Assert.Empty(cut.FindAll("[data-node]"));
    }
}
