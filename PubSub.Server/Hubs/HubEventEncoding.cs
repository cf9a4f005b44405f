using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using PubSub.Core;
using PubSub.Server.Api;

namespace PubSub.Server.Hubs;

/// <summary>
/// The <c>Event</c> call as a cached per-message encoding. One <see cref="SerializedHubMessage"/> per published
/// message, kept in the message's encoding cache (one slot for every hub protocol): SignalR serializes it at most
/// once per protocol on first write and hands the same bytes to every later subscriber of that protocol.
/// </summary>
internal sealed class HubEventEncoding : MessageEncoding<SerializedHubMessage>
{
    public static readonly HubEventEncoding Instance = new();

    private HubEventEncoding()
    {
    }

    public override SerializedHubMessage Encode(PublishedMessage message) =>
        new(new InvocationMessage(nameof(IPubSubClient.Event), [ToEvent(message)]));

    /// <summary>The event object inside an encoded message (reused by <c>Stream</c>, which SignalR serializes per stream).</summary>
    public static HubEvent EventOf(SerializedHubMessage encoded) => (HubEvent)((InvocationMessage)encoded.Message!).Arguments[0]!;

    private static HubEvent ToEvent(PublishedMessage m) => new()
    {
        Topic = m.Topic,
        Id = m.Id,
        Seq = m.Seq,
        Payload = new HubJson(m.Payload),
        Ts = Timestamps.Format(m.Timestamp),
    };
}
