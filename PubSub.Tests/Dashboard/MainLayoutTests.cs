using Bunit;
using Microsoft.AspNetCore.Components;
using PubSub.Dashboard.Components.Layout;

namespace PubSub.Tests.Dashboard;

public sealed class MainLayoutTests : DashboardTestContext
{
    [Fact]
    public void Links_the_pages_and_renders_the_body()
    {
        RenderFragment body = b => b.AddMarkupContent(0, "<p id='page-body'>hello</p>");

        var cut = Render<MainLayout>(p => p.Add(c => c.Body, body));

        var links = cut.FindAll("nav a").Select(a => (a.GetAttribute("href"), a.TextContent.Trim())).ToList();
        Assert.Equal([("/", "Dashboard"), ("/publisher", "Publisher"), ("/subscriber", "Subscriber"), ("/cluster/nodes", "Nodes"), ("/cluster/connections", "Connections")], links);
        Assert.Equal("hello", cut.Find("#page-body").TextContent);
        Assert.Empty(cut.FindAll("[aria-label='Signed in as']")); // auth off: nobody to sign out
    }
}
