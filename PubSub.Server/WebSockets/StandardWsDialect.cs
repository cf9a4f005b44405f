using PubSub.Core;

namespace PubSub.Server.WebSockets;

/// <summary>PROTOCOL.md §2–5: nothing on connect, <c>ack</c> for every request, <c>event</c> with <c>seq</c>, coded errors, <c>ts</c>.</summary>
internal sealed class StandardWsDialect : IWsDialect
{
    public static readonly StandardWsDialect Instance = new();

    private StandardWsDialect()
    {
    }

    // The broker's options as they are.
    public bool CreateTopics => false;

    public bool AnyMessageId => false;

    public bool ReplayOnResubscribe => false;

    public MessageEncoding<byte[]> Events => WsEventEncoding.Instance;

    public bool RepliesBeforeOwnEvent => false; // the ack goes out when the store has answered; publishes pipeline

    public byte[]? Greeting(DateTimeOffset now) => null;

    public byte[] Subscribed(WsRequest request, SubscribeOutcome outcome, DateTimeOffset now) =>
        WsFrames.Ack(request.RequestId, outcome.Topic, now, outcome.Seq, outcome.Gap, epoch: outcome.Epoch);

    public byte[] Unsubscribed(WsRequest request, DateTimeOffset now) => WsFrames.Ack(request.RequestId, request.Topic!, now);

    public byte[] Published(WsRequest request, PublishReceipt receipt, DateTimeOffset now) =>
        WsFrames.Ack(request.RequestId, receipt.Topic, now, receipt.Seq, id: receipt.Id, duplicate: receipt.Duplicate);

    public byte[] Pong(byte[]? requestId, DateTimeOffset now) => WsFrames.Pong(requestId, now);

    public byte[] Error(byte[]? requestId, string code, string message, DateTimeOffset now) => WsFrames.Error(requestId, code, message, now);
}
