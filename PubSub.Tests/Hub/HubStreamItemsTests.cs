using PubSub.Server.Hubs;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Hub;

/// <summary>A hub stream counts an event as delivered only once SignalR has written it (it asks for the next item).</summary>
public sealed class HubStreamItemsTests
{
    [Fact]
    public async Task An_event_counts_as_delivered_when_the_next_item_is_asked_for_not_when_it_is_handed_out()
    {
        var broker = Create();
        await broker.CreateTopicAsync("t").Within();
        var session = broker.Connect("signalr");
        var stream = broker.Connect("signalr");
        await broker.SubscribeAsync(stream, "t", "c").Within();
        await broker.PublishAsync("t", Draft()).Within();
        await broker.PublishAsync("t", Draft()).Within();

        var items = HubStreamItems.ReadAsync(stream, session, 1000).GetAsyncEnumerator();
        await using var itemsDisposal = items.DisposeWithin();
        Assert.True(await items.MoveNextAsync().AsTask().Within());
        Assert.Equal(1, items.Current.Seq);
        Assert.Equal(0, stream.Delivered); // handed to SignalR, whose write may still wait on the socket

        Assert.True(await items.MoveNextAsync().AsTask().Within());
        Assert.Equal(1, stream.Delivered); // SignalR asked for the next one: the first was written
        Assert.Equal(2, items.Current.Seq);
    }
}
