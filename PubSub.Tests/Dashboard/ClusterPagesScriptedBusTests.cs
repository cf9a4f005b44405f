using System.Collections.Concurrent;
using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Core;
using PubSub.Core.Cluster;
using PubSub.Core.Delivery;
using PubSub.Dashboard.Components.Pages;
using DashboardPage = PubSub.Dashboard.Components.Pages.Dashboard;

namespace PubSub.Tests.Dashboard;

/// <summary>
/// The Nodes and Connections pages on a node that knows of one other node, <c>node-b</c>, whose answers the test scripts
/// (a fake <see cref="IClusterBus"/>): the other node's rows, closing its connection through the bus, and what the pages
/// say when it does not answer. The same over real Redis and real sockets is <see cref="EndToEnd.ClusterDashboardEndToEndTests"/>.
/// </summary>
public sealed class ClusterPagesScriptedBusTests : DashboardTestContext
{
    private const string OtherNode = "node-b";
    private const string OtherConnection = "ws-7." + OtherNode;

    private readonly ScriptedBus _bus = new();

    public ClusterPagesScriptedBusTests()
    {
        Services.AddSingleton<IClusterBus>(_bus);
        var now = DateTimeOffset.UtcNow;
        _bus.Others = [new NodeReport(OtherNode, "http://10.0.0.2:8000", now.AddMinutes(-3), now, 1, 2, new Dictionary<string, int> { ["orders"] = 1 }, new Dictionary<string, int> { ["ws"] = 1 }, 0, 0, 0)];
        Services.GetRequiredService<ClusterFigures>().Set(_bus.Others);
        _bus.Answer = request => request.Op switch
        {
            "connections" => JsonSerializer.SerializeToUtf8Bytes(
                new ConnectionPage([new ConnectionDetails(OtherConnection, OtherNode, "ws", "10.0.0.9", "other-agent", now.AddMinutes(-1), ["orders"], 5, 0, 0)], 7, More: false),
                ClusterJson.Default.ConnectionPage),
            "disconnect" => JsonSerializer.SerializeToUtf8Bytes(new DisconnectAnswer(request.Connection == OtherConnection ? CloseOutcome.Closed : CloseOutcome.NotFound), ClusterJson.Default.DisconnectAnswer),
            _ => [],
        };
    }

    private ClusterNode Cluster => Services.GetRequiredService<ClusterNode>();

    [Fact]
    public void The_nodes_page_lists_both_nodes_and_marks_only_this_one()
    {
        var cut = Render<Nodes>();

        Assert.Equal(new[] { Cluster.Id, OtherNode }.Order(StringComparer.Ordinal), cut.FindAll("[data-node]").Select(e => e.TextContent));
        var other = cut.Find($"[data-node='{OtherNode}']").Closest("tr")!;
        Assert.DoesNotContain("this node", other.TextContent);
        Assert.Contains("http://10.0.0.2:8000", other.TextContent);
        Assert.Equal("3m 0s", other.QuerySelector("td[data-label='Uptime']")!.TextContent.Trim());
        Assert.Contains("this node", cut.Find($"[data-node='{Cluster.Id}']").Closest("tr")!.TextContent);
        Assert.Contains("drops out after 15 s", cut.Find("[role='note']").TextContent);
    }

    [Fact]
    public void The_dashboard_counts_both_nodes()
    {
        var cut = Render<DashboardPage>();

        Assert.Equal("2", cut.Find("[data-stat='Nodes']").TextContent.Trim());
        Assert.Contains("in the cluster", cut.Markup);
    }

    [Fact]
    public void The_connections_page_shows_the_other_nodes_connections_next_to_this_ones()
    {
        var local = Broker.Connect("signalr", "127.0.0.1", "local-agent");

        var cut = Render<Connections>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-connection]").Count), Wait);
        Assert.Contains(("connections", OtherNode), _bus.Requests.Select(r => (r.Request.Op, r.Node)));
        var row = cut.Find($"[data-connection='{OtherConnection}']").Closest("tr")!;
        Assert.Contains("other-agent", row.TextContent);
        Assert.Contains("orders", row.TextContent);
        Assert.NotNull(cut.Find($"[data-connection='{local.Id}']"));
        Assert.Contains("2 connections on 2 nodes", cut.Markup);
    }

    [Fact]
    public async Task Disconnecting_the_other_nodes_connection_asks_that_node_with_the_reason()
    {
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find($"[aria-label='Disconnect {OtherConnection}']")), Wait);

        await cut.ClickOnAsync($"[aria-label='Disconnect {OtherConnection}']");
        await cut.InputAsync("Reason", "rebalancing");
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Disconnect").Click());

        cut.WaitForAssertion(() => Assert.Equal($"Disconnected {OtherConnection}.", cut.Find("[aria-label='Disconnect outcome']").TextContent.Trim()), Wait);
        var asked = _bus.Requests.Single(r => r.Request.Op == "disconnect");
        Assert.Equal((OtherNode, OtherConnection, "rebalancing"), (asked.Node, asked.Request.Connection, asked.Request.Reason));
    }

    [Fact]
    public async Task A_node_that_does_not_answer_is_named_and_a_disconnect_through_it_shows_why()
    {
        var local = Broker.Connect("ws");
        var cut = Render<Connections>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find($"[aria-label='Disconnect {OtherConnection}']")), Wait);

        _bus.Answer = _ => throw new PubSubException(PubSubErrorCode.Unavailable, $"node {OtherNode} did not answer within 3 s");
        await cut.ClickOnAsync($"[aria-label='Disconnect {OtherConnection}']");
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Disconnect").Click());

        cut.WaitForAssertion(() => Assert.Equal($"Not disconnected: node {OtherNode} did not answer within 3 s.", cut.Find("[aria-label='Disconnect outcome']").TextContent.Trim()), Wait);
        cut.WaitForAssertion(() =>
        {
            Assert.Equal($"Node {OtherNode} did not answer; its connections are missing.", cut.Find("[role='alert']").TextContent.Trim());
            Assert.Equal([local.Id], cut.FindAll("[data-connection]").Select(e => e.TextContent));
        }, Wait);
    }

    /// <summary>Answers requests to other nodes as the test says, and records them.</summary>
    private sealed class ScriptedBus : IClusterBus
    {
        public Func<ClusterRequest, byte[]?> Answer { get; set; } = _ => null;

        public ConcurrentQueue<(string Node, ClusterRequest Request)> Requests { get; } = new();

        /// <summary>The other nodes the store lists (a list reads them at each request).</summary>
        public IReadOnlyList<NodeReport> Others { get; set; } = [];

        public ValueTask<ClusterRound> ReportAsync(NodeReport self, TimeSpan expiry, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new ClusterRound([self, .. Others.Select(n => n with { LastSeen = DateTimeOffset.UtcNow })], false));

        public ValueTask LeaveAsync(string nodeId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask<byte[]?> RequestAsync(string nodeId, byte[] request, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            var parsed = JsonSerializer.Deserialize(request, ClusterJson.Default.ClusterRequest)!;
            Requests.Enqueue((nodeId, parsed));
            return ValueTask.FromResult(Answer(parsed));
        }

        public void Listen(string nodeId, Func<byte[], ValueTask<byte[]>> handler)
        {
        }
    }
}
