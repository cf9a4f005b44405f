using Bunit;
using PubSub.Dashboard.Components.Shared;

namespace PubSub.Tests.Dashboard;

public sealed class StatCardTests : DashboardTestContext
{
    [Fact]
    public void Shows_title_value_and_caption_with_the_value_labelled_by_the_title()
    {
        var cut = Render<StatCard>(p => p.Add(c => c.Title, "In / s").Add(c => c.Value, "1,234").Add(c => c.Caption, "messages published"));

        var value = cut.Find("[data-stat='In / s']");
        Assert.Equal("1,234", value.TextContent.Trim());
        Assert.Equal("In / s", cut.Find($"#{value.GetAttribute("aria-labelledby")}").TextContent.Trim());
        Assert.Contains("messages published", cut.Markup);
    }
}
