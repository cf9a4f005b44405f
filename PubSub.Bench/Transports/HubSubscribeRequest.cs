using System.Runtime.Serialization;

namespace PubSub.Bench.Transports;

/// <summary><c>Subscribe</c>'s request (§7).</summary>
[DataContract]
public sealed class HubSubscribeRequest
{
    [DataMember(Name = "topic")]
    public string Topic { get; init; } = "";

    [DataMember(Name = "clientId")]
    public string ClientId { get; init; } = "";

    [DataMember(Name = "lastN")]
    public int LastN { get; init; }
}
