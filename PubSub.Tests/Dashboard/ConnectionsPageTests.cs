using Bunit;
using PubSub.Core.Delivery;
using PubSub.Dashboard.Components.Pages;
using PubSub.Server.Hosting;
using PubSub.Tests.Core;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

/// <summary>
/// The Connections page over a cluster of one (the in-memory engine): it lists this node's broker connections and closes
/// them as <c>DELETE /api/connections/{id}/</c> does, with REST's access rules. The cluster-wide behaviour (another node's
/// connections, through Redis) is <see cref="EndToEnd.ClusterDashboardEndToEndTests"/>.
/// </summary>
public sealed class ConnectionsPageTests() : DashboardTestContext(auth: Keys())
{
    private const string Admin = "admin-key-0123456789abcdef";
    private const string Reader = "reader-key-0123456789abcdef";
    private const string OrdersOperator = "orders-operator-0123456789";
    private const string Publisher = "publisher-key-0123456789ab";

    private static AuthOptions Keys() => new()
    {
        Enabled = true,
        Keys =
        [
            new() { Key = Admin, Name = "admin" },
            new() { Key = Reader, Name = "reader", Operations = ["read"] },
            new() { Key = OrdersOperator, Name = "orders-operator", Topics = ["orders*"], Operations = ["read", "manage"] },
            new() { Key = Publisher, Name = "publisher", Operations = ["publish"] },
        ],
    };

    private async Task<BrokerConnection> OpenAsync(string transport, params string[] topics)
    {
        var connection = Broker.Connect(transport, "10.1.2.3", "test-agent/1.0");
        foreach (var topic in topics)
        {
            if (await Broker.GetTopicAsync(topic).AsTask().Within() is null)
            {
                await Broker.CreateTopicAsync(topic).AsTask().Within();
            }

            await Broker.SubscribeAsync(connection, topic, "c1").AsTask().Within();
        }

        return connection;
    }

    private static string Row(string id) => $"[data-connection='{id}']";

    private static string Button(string id) => $"[aria-label='Disconnect {id}']";

    [Fact]
    public async Task Lists_this_nodes_connections_with_their_details()
    {
        SignInAs(Admin);
        var connection = await OpenAsync("ws", "orders", "payments");

        var cut = Render<Connections>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Row(connection.Id))), Wait);
        var row = cut.Find(Row(connection.Id)).Closest("tr")!;
        Assert.Contains(Broker.Node.Id, row.TextContent);
        Assert.Contains("ws", row.TextContent);
        Assert.Contains("10.1.2.3", row.TextContent);
        Assert.Contains("test-agent/1.0", row.TextContent);
        Assert.Contains("orders, payments", row.TextContent);
        Assert.Contains("every 2 s", cut.Find("[role='note']").TextContent);
        Assert.Contains("This node's connections (the in-memory engine: one node)", cut.Find("[role='note']").TextContent);
        Assert.DoesNotContain("Redis", cut.Find("[role='note']").TextContent);
        Assert.Contains("1 connection on 1 node", cut.Markup);
        Assert.Empty(cut.FindAll("[role='alert']"));
    }

    [Fact]
    public async Task A_connection_opened_later_shows_on_the_next_read_or_on_Refresh()
    {
        SignInAs(Admin);
        var cut = Render<Connections>();
        Assert.Contains("No connections open", cut.Markup);

        var connection = await OpenAsync("signalr", "orders");
        await cut.ClickAsync("Refresh");

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Row(connection.Id))), Wait);
    }

    [Fact]
    public async Task Disconnect_asks_for_confirmation_then_closes_the_connection_with_the_reason()
    {
        SignInAs(Admin);
        var connection = await OpenAsync("ws", "orders");
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Button(connection.Id))), Wait);

        await cut.ClickOnAsync(Button(connection.Id));
        Assert.Contains($"Disconnect {connection.Id}", cut.Find("[role='alertdialog']").TextContent);
        Assert.False(connection.Outbound.IsCompleted);
        await cut.InputAsync("Reason", "maintenance window");
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Disconnect").Click());

        cut.WaitForAssertion(() => Assert.Equal($"Disconnected {connection.Id}.", cut.Find("[aria-label='Disconnect outcome']").TextContent.Trim()), Wait);
        var frames = await connection.ReadUntilAsync(f => f.Any(x => x.Kind == OutboundKind.Disconnected), Timeouts.Short);
        Assert.Equal(OutboundKind.Disconnected, frames[^1].Kind);
        Assert.Equal("maintenance window", frames[^1].Reason);
        Assert.True(connection.Outbound.IsCompleted);
        Assert.Empty(cut.FindAll("[role='alertdialog']"));
    }

    [Fact]
    public async Task Without_a_reason_the_client_is_told_an_operator_closed_it()
    {
        SignInAs(Admin);
        var connection = await OpenAsync("ws");
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Button(connection.Id))), Wait);

        await cut.ClickOnAsync(Button(connection.Id));
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Disconnect").Click());

        var frames = await connection.ReadUntilAsync(f => f.Any(x => x.Kind == OutboundKind.Disconnected), Timeouts.Short);
        Assert.Equal($"closed by an operator from the dashboard of node {Broker.Node.Id}", frames[^1].Reason);
    }

    [Fact]
    public async Task Cancelling_keeps_the_connection_open()
    {
        SignInAs(Admin);
        var connection = await OpenAsync("ws", "orders");
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Button(connection.Id))), Wait);

        await cut.ClickOnAsync(Button(connection.Id));
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Cancel").Click());

        Assert.Empty(cut.FindAll("[role='alertdialog']"));
        Assert.False(connection.Outbound.IsCompleted);
        Assert.Empty(connection.DrainNow());
    }

    [Fact]
    public async Task A_connection_that_went_meanwhile_is_reported_already_gone()
    {
        SignInAs(Admin);
        var connection = await OpenAsync("ws", "orders");
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Button(connection.Id))), Wait);
        await cut.ClickOnAsync(Button(connection.Id));

        Broker.Disconnect(connection);
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Disconnect").Click());

        cut.WaitForAssertion(() => Assert.Equal($"Connection {connection.Id} was already gone.", cut.Find("[aria-label='Disconnect outcome']").TextContent.Trim()), Wait);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(Row(connection.Id))), Wait);
    }

    [Fact]
    public async Task The_filter_matches_transport_node_and_topic()
    {
        SignInAs(Admin);
        var ws = await OpenAsync("ws", "orders");
        var hub = await OpenAsync("signalr", "sensors.kitchen");
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-connection]").Count), Wait);

        await cut.InputAsync("Filter", "signalr");
        Assert.Equal([hub.Id], cut.FindAll("[data-connection]").Select(e => e.TextContent));
        Assert.Contains("Showing 1 of 2 connections", cut.Markup);

        await cut.InputAsync("Filter", "ORDERS");
        Assert.Equal([ws.Id], cut.FindAll("[data-connection]").Select(e => e.TextContent));

        await cut.InputAsync("Filter", Broker.Node.Id);
        Assert.Equal(2, cut.FindAll("[data-connection]").Count);

        await cut.InputAsync("Filter", "no-such-thing");
        Assert.Contains("No connection matches the filter", cut.Markup);
    }

    [Fact]
    public async Task A_key_without_manage_sees_the_list_but_the_disconnect_button_is_disabled_with_why()
    {
        SignInAs(Reader);
        var connection = await OpenAsync("ws", "orders");

        var cut = Render<Connections>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Button(connection.Id))), Wait);
        var button = cut.Find(Button(connection.Id));
        Assert.True(button.HasAttribute("disabled"));
        Assert.Equal("this API key may not manage", button.GetAttribute("title"));
    }

    [Fact]
    public async Task A_scoped_key_may_close_only_connections_wholly_within_its_topics_and_sees_only_those_topics()
    {
        SignInAs(OrdersOperator);
        var inScope = await OpenAsync("ws", "orders-eu");
        var mixed = await OpenAsync("ws", "orders-us", "payments");

        var cut = Render<Connections>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(Button(mixed.Id))), Wait);
        Assert.False(cut.Find(Button(inScope.Id)).HasAttribute("disabled"));
        Assert.DoesNotContain("payments", cut.Markup);
        Assert.Contains("orders-us", cut.Find(Row(mixed.Id)).Closest("tr")!.TextContent);

        // The page shows only the key's topics, so it cannot know of payments: the connection's node refuses the close.
        await cut.ClickOnAsync(Button(mixed.Id));
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Disconnect").Click());
        cut.WaitForAssertion(() => Assert.Equal("Refused: this API key may not manage every topic this connection is subscribed to.", cut.Find("[aria-label='Disconnect outcome']").TextContent.Trim()), Wait);
        Assert.False(mixed.Outbound.IsCompleted);
    }

    [Fact]
    public async Task The_handler_checks_again_on_the_connection_as_it_is_now()
    {
        SignInAs(OrdersOperator);
        var connection = await OpenAsync("ws", "orders-eu");
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.False(cut.Find(Button(connection.Id)).HasAttribute("disabled")), Wait);
        await cut.ClickOnAsync(Button(connection.Id));

        // Between the page's last read and the confirmation, the connection subscribes outside the key's scope.
        await Broker.CreateTopicAsync("payments").AsTask().Within();
        await Broker.SubscribeAsync(connection, "payments", "c1").AsTask().Within();
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Disconnect").Click());

        cut.WaitForAssertion(() => Assert.StartsWith("Refused: this API key may not manage", cut.Find("[aria-label='Disconnect outcome']").TextContent.Trim()), Wait);
        Assert.False(connection.Outbound.IsCompleted);
    }

    [Fact]
    public async Task A_key_without_read_is_refused_the_list()
    {
        SignInAs(Publisher);
        await OpenAsync("ws", "orders");

        var cut = Render<Connections>();

        Assert.Contains("Refused: this API key may not read", cut.Find("[role='alert']").TextContent);
        Assert.Empty(cut.FindAll("[data-connection]"));
        Assert.Empty(cut.FindAll("table"));
    }
}
