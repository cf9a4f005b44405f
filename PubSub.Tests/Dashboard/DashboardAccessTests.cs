using Bunit;
using Microsoft.AspNetCore.Components;
using PubSub.Dashboard.Components.Layout;
using PubSub.Dashboard.Components.Pages;
using PubSub.Dashboard.Components.Shared;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;
using DashboardPage = PubSub.Dashboard.Components.Pages.Dashboard;

namespace PubSub.Tests.Dashboard;

/// <summary>
/// Issue 10 item 2 on the components: with auth on, each dashboard action is allowed or refused as the same REST
/// call would be for the signed-in key (the server's own authorizer decides), and tables and pickers show a scoped
/// key only its topics. Topics: <c>orders-eu</c> and <c>payments</c>.
/// </summary>
public sealed class DashboardAccessTests() : DashboardTestContext(auth: Keys())
{
    private const string Admin = "admin-key-0123456789abcdef";
    private const string OrdersSubscriber = "orders-subscriber-0123456789";
    private const string OrdersReader = "orders-reader-0123456789ab";
    private const string OrdersPublisher = "orders-publisher-0123456789";
    private const string OrdersManager = "orders-manager-0123456789a";

    private static AuthOptions Keys() => new()
    {
        Enabled = true,
        Keys =
        [
            new() { Key = Admin, Name = "admin" },
            new() { Key = OrdersSubscriber, Name = "orders-subscriber", Topics = ["orders*"], Operations = ["subscribe"] },
            new() { Key = OrdersReader, Name = "orders-reader", Topics = ["orders*"], Operations = ["read"] },
            new() { Key = OrdersPublisher, Name = "orders-publisher", Topics = ["orders*"], Operations = ["publish"] },
            new() { Key = OrdersManager, Name = "orders-manager", Topics = ["orders*"], Operations = ["manage"] },
        ],
    };

    private async Task TopicsAsync()
    {
        await Broker.CreateTopicAsync("orders-eu").AsTask().Within();
        await Broker.CreateTopicAsync("payments").AsTask().Within();
    }

    [Fact]
    public async Task A_scoped_key_sees_only_its_topics_and_cannot_delete_or_open_them_without_the_rights()
    {
        await TopicsAsync();
        SignInAs(OrdersSubscriber);

        var cut = Render<DashboardPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[aria-label='Delete topic orders-eu']")), Wait);
        Assert.Empty(cut.FindAll("[aria-label='Delete topic payments']"));
        Assert.DoesNotContain("payments", cut.Markup);
        Assert.Equal("1", cut.Find("[data-stat='Topics']").TextContent.Trim());
        Assert.True(cut.Find("[aria-label='Delete topic orders-eu']").HasAttribute("disabled"));
        Assert.True(cut.Find("[aria-label='Details of topic orders-eu']").HasAttribute("disabled"));
        Assert.Contains("may not manage on topic 'orders-eu'", cut.Find("[aria-label='Delete topic orders-eu']").GetAttribute("title"));
    }

    [Fact]
    public async Task A_key_with_manage_deletes_a_topic_in_its_scope()
    {
        await TopicsAsync();
        SignInAs(OrdersManager);
        var cut = Render<DashboardPage>();

        Assert.False(cut.Find("[aria-label='Delete topic orders-eu']").HasAttribute("disabled"));
        await cut.ClickOnAsync("[aria-label='Delete topic orders-eu']");
        await cut.InvokeAsync(() => cut.FindAll("[role='alertdialog'] button").Single(b => b.TextContent.Trim() == "Delete").Click());

        cut.WaitForAssertion(() => Assert.Contains("Deleted topic", cut.Markup), Wait);
        Assert.Null(await Broker.GetTopicAsync("orders-eu").AsTask().Within());
        Assert.NotNull(await Broker.GetTopicAsync("payments").AsTask().Within());
    }

    [Fact]
    public async Task The_admin_key_sees_and_may_delete_every_topic()
    {
        await TopicsAsync();
        SignInAs(Admin);

        var cut = Render<DashboardPage>();

        Assert.False(cut.Find("[aria-label='Delete topic orders-eu']").HasAttribute("disabled"));
        Assert.False(cut.Find("[aria-label='Delete topic payments']").HasAttribute("disabled"));
        Assert.Equal("2", cut.Find("[data-stat='Topics']").TextContent.Trim());
    }

    [Fact]
    public async Task Create_is_refused_outside_the_keys_scope_and_disabled_without_manage()
    {
        SignInAs(OrdersManager);
        var cut = Render<CreateTopicForm>();

        await cut.InputAsync("Topic name", "payments");
        await cut.SubmitAsync();
        cut.WaitForAssertion(() => Assert.Contains("may not manage on topic 'payments'", cut.Markup), Wait);
        Assert.Null(await Broker.GetTopicAsync("payments").AsTask().Within());

        await cut.InputAsync("Topic name", "orders-new");
        await cut.SubmitAsync();
        cut.WaitForAssertion(() => Assert.Contains("Created topic", cut.Markup), Wait);
        Assert.NotNull(await Broker.GetTopicAsync("orders-new").AsTask().Within());
    }

    [Fact]
    public void Without_manage_the_create_button_is_disabled()
    {
        SignInAs(OrdersSubscriber);

        var cut = Render<CreateTopicForm>();

        Assert.True(cut.FindButton("Create").HasAttribute("disabled"));
        Assert.Contains("Create is off: this API key may not manage", cut.Find("[role='note']").TextContent);
    }

    [Fact]
    public async Task Topic_details_subscribers_and_history_need_read()
    {
        await TopicsAsync();
        await PublishAsync("orders-eu", "{\"order_id\":\"ORD-SECRET\"}").Within();
        SignInAs(OrdersSubscriber);

        var refused = Render<TopicDetail>(p => p.Add(c => c.Name, "orders-eu"));

        Assert.Contains("may not read on topic 'orders-eu'", refused.Find("[role='alert']").TextContent);
        Assert.DoesNotContain("ORD-SECRET", refused.Markup);
        Assert.DoesNotContain("Subscribers (", refused.Markup);
    }

    [Fact]
    public async Task A_key_with_read_sees_the_details()
    {
        await TopicsAsync();
        await PublishAsync("orders-eu", "{\"order_id\":\"ORD-SEEN\"}").Within();
        SignInAs(OrdersReader);

        var cut = Render<TopicDetail>(p => p.Add(c => c.Name, "orders-eu"));

        Assert.Contains("ORD-SEEN", cut.Markup);
        Assert.Contains("Subscribers (0)", cut.Markup);
        Assert.Empty(cut.FindAll("[role='alert']"));
    }

    [Fact]
    public async Task Publishing_is_refused_outside_the_scope_and_disabled_without_publish()
    {
        await TopicsAsync();
        SignInAs(OrdersPublisher);
        var cut = Render<Publisher>();

        Assert.Equal(["orders-eu"], cut.FindAll("[aria-label='Existing topics'] .mud-chip").Select(c => c.TextContent.Trim()));
        await cut.InputAsync("Topic", "payments");
        await cut.InputAsync("Payload", "{\"n\":1}");
        await cut.ClickAsync("Publish");
        cut.WaitForAssertion(() => Assert.Contains("may not publish on topic 'payments'", cut.Markup), Wait);
        Assert.Equal(0, (await Broker.GetTopicAsync("payments").AsTask().Within())!.LastSeq);

        await cut.InputAsync("Topic", "orders-eu");
        await cut.ClickAsync("Publish");
        cut.WaitForAssertion(() => Assert.Contains("Published to orders-eu: seq 1", cut.Markup), Wait);
    }

    [Fact]
    public void Without_publish_the_publish_buttons_are_disabled()
    {
        SignInAs(OrdersSubscriber);

        var cut = Render<Publisher>();

        Assert.True(cut.FindButton("Publish").HasAttribute("disabled"));
        Assert.True(cut.FindButton("Start burst").HasAttribute("disabled"));
        Assert.Contains("Publish and Start burst are off: this API key may not publish", cut.Find("[role='note']").TextContent);
    }

    [Theory]
    [InlineData(OrdersSubscriber, 0)]
    [InlineData(Admin, 1)]
    public void The_nodes_card_links_to_the_nodes_page_only_for_a_key_that_may_read_it(string key, int links)
    {
        SignInAs(key);

        var cut = Render<DashboardPage>();

        Assert.Equal(links, cut.FindAll("a[href='/cluster/nodes']").Count);
    }

    [Fact]
    public async Task Subscribing_is_refused_outside_the_scope_and_disabled_without_subscribe()
    {
        await TopicsAsync();
        SignInAs(OrdersSubscriber);
        var cut = Render<Subscriber>();

        Assert.Equal(["orders-eu"], cut.FindAll("[aria-label='Existing topics'] .mud-chip").Select(c => c.TextContent.Trim()));
        await cut.InputAsync("Topic", "payments");
        await cut.SubmitAsync();
        cut.WaitForAssertion(() => Assert.Contains("may not subscribe on topic 'payments'", cut.Markup), Wait);
        Assert.Empty(Broker.GetSubscribers("payments"));

        await cut.InputAsync("Topic", "orders-eu");
        await cut.SubmitAsync();
        cut.WaitForAssertion(() => Assert.Contains("Live", cut.Find("[aria-label='Connection status']").TextContent), Wait);
    }

    [Fact]
    public void Without_subscribe_the_subscribe_button_is_disabled()
    {
        SignInAs(OrdersReader);

        var cut = Render<Subscriber>();

        Assert.True(cut.FindButton("Subscribe").HasAttribute("disabled"));
    }

    [Fact]
    public void The_layout_names_the_signed_in_key_and_offers_sign_out()
    {
        SignInAs(OrdersReader);
        RenderFragment body = b => b.AddMarkupContent(0, "<p>page</p>");

        var cut = Render<MainLayout>(p => p.Add(c => c.Body, body));

        Assert.Equal("orders-reader", cut.Find("[aria-label='Signed in as']").TextContent.Trim());
        var form = cut.FindAll("form").Single(f => f.GetAttribute("action") == "signout");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("Sign out", form.QuerySelector("button")!.TextContent.Trim());
    }
}
