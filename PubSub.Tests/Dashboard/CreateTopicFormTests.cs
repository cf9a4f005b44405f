using Bunit;
using PubSub.Dashboard.Components.Shared;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

public sealed class CreateTopicFormTests : DashboardTestContext
{
    [Fact]
    public void Renders_the_labelled_fields_and_the_create_button()
    {
        var cut = Render<CreateTopicForm>();

        var labels = cut.FindAll("label").Select(l => l.TextContent.Trim()).ToList();
        Assert.Contains("Topic name", labels);
        Assert.Contains("Description", labels);
        Assert.Contains(cut.FindAll("button"), b => b.TextContent.Trim() == "Create");
    }

    [Fact]
    public void An_invalid_name_is_reported_inline_as_you_type()
    {
        var cut = Render<CreateTopicForm>();

        var input = cut.Find("input");
        input.Input("bad name!");
        input.KeyUp("!");

        cut.WaitForAssertion(() => Assert.Contains("invalid topic name", cut.Markup), Wait);
    }

    [Fact]
    public async Task Submitting_an_empty_name_creates_nothing_and_says_why()
    {
        var cut = Render<CreateTopicForm>();

        await cut.SubmitAsync();

        Assert.Contains("Enter a topic name", cut.Markup);
        Assert.Empty(await Broker.ListTopicsAsync().AsTask().Within());
    }

    [Fact]
    public async Task Creates_the_topic_with_its_description_as_metadata_and_reports_it()
    {
        string? created = null;
        var cut = Render<CreateTopicForm>(p => p.Add(c => c.OnCreated, name => created = name));

        await cut.InputAsync("Topic name", "orders");
        await cut.InputAsync("Description", "Shop orders");
        await cut.SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal("orders", created), Wait);
        var topic = await Broker.GetTopicAsync("orders").AsTask().Within();
        Assert.NotNull(topic);
        Assert.Equal("Shop orders", topic.Metadata!.Value.GetProperty("description").GetString());
        Assert.Contains("Created topic", cut.Markup);
    }

    [Fact]
    public async Task A_duplicate_name_is_reported_inline()
    {
        await Broker.CreateTopicAsync("orders").AsTask().Within();
        var cut = Render<CreateTopicForm>();

        await cut.InputAsync("Topic name", "orders");
        await cut.SubmitAsync();

        cut.WaitForAssertion(() => Assert.Contains("already exists", cut.Markup), Wait);
    }
}
