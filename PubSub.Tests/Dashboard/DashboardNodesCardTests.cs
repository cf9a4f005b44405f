using Bunit;
using DashboardPage = PubSub.Dashboard.Components.Pages.Dashboard;

namespace PubSub.Tests.Dashboard;

/// <summary>The dashboard's Nodes stat card: the cluster's node count, linking to the Nodes page.</summary>
public sealed class DashboardNodesCardTests : DashboardTestContext
{
    [Fact]
    public void Counts_the_nodes_and_links_to_the_nodes_page()
    {
        var cut = Render<DashboardPage>();

        var value = cut.Find("[data-stat='Nodes']");
        Assert.Equal("1", value.TextContent.Trim());
        var link = cut.Find($"#{value.GetAttribute("aria-labelledby")}").Closest("a")!;
        Assert.Equal("/cluster/nodes", link.GetAttribute("href"));
        Assert.Equal("Nodes", link.TextContent.Trim());
        Assert.Contains("in-memory: this node alone", cut.Markup);
    }
}
