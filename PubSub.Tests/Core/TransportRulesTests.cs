using PubSub.Core;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Core;

/// <summary>
/// A transport's own topic and id rules (<c>createTopics</c> of <see cref="PubSubBroker.Connect"/>, <see cref="MessageDraft.AnyMessageId"/>, …:
/// the /ws seed dialect's) widen the broker's options for its calls only; calls without them keep the options.
/// </summary>
public sealed class TransportRulesTests
{
    [Fact]
    public async Task A_publish_with_the_rules_creates_its_topic_and_takes_any_id_while_one_without_them_does_not()
    {
        var broker = Create(); // AutoCreateTopics false, RequireUuidMessageIds true: the defaults

        var plain = await Assert.ThrowsAsync<PubSubException>(() => broker.PublishAsync("orders", Draft()).Within());
        var message = await broker.PublishAsync("orders", Draft(id: "order-1") with { CreateTopics = true, AnyMessageId = true }).Within();
        var notUuid = await Assert.ThrowsAsync<PubSubException>(() => broker.PublishAsync("orders", Draft(id: "order-2")).Within());
        var empty = await Assert.ThrowsAsync<PubSubException>(() => broker.PublishAsync("orders", Draft(id: "") with { CreateTopics = true, AnyMessageId = true }).Within());

        Assert.Equal(PubSubErrorCode.TopicNotFound, plain.Code);
        Assert.Equal(("order-1", 1L), (message.Id, message.Seq));
        Assert.Equal(PubSubErrorCode.BadRequest, notUuid.Code);
        Assert.Contains("UUID", notUuid.Message);
        Assert.Equal(PubSubErrorCode.BadRequest, empty.Code);
        Assert.Contains("empty", empty.Message);
    }

    [Fact]
    public async Task A_subscribe_on_a_connection_with_the_rules_creates_its_topic_and_one_without_them_does_not()
    {
        var broker = Create();
        var plain = broker.Connect("test");
        var seed = broker.Connect("ws", createTopics: true);

        var refused = await Assert.ThrowsAsync<PubSubException>(() => broker.SubscribeAsync(plain, "orders", "c").AsTask().Within());
        var outcome = await broker.SubscribeAsync(seed, "orders", "c").Within();

        Assert.Equal(PubSubErrorCode.TopicNotFound, refused.Code);
        Assert.Equal("orders", outcome.Topic);
        Assert.NotNull(await broker.GetTopicAsync("orders"));
        await broker.SubscribeAsync(plain, "orders", "c").Within(); // exists now, for everyone
    }

    [Fact]
    public async Task The_rules_only_widen_the_options_never_narrow_them()
    {
        var broker = Create(o =>
        {
            o.AutoCreateTopics = true;
            o.RequireUuidMessageIds = false;
        });

        var message = await broker.PublishAsync("orders", Draft(id: "order-1") with { CreateTopics = false, AnyMessageId = false }).Within();

        Assert.Equal("order-1", message.Id);
    }
}
