using System.Runtime.Serialization;

namespace PubSub.Bench.Transports;

/// <summary><c>Publish</c>'s request (§7); no id, so the server assigns one.</summary>
[DataContract]
public sealed class HubPublishRequest
{
    [DataMember(Name = "topic")]
    public string Topic { get; init; } = "";

    [DataMember(Name = "payload")]
    public HubBenchPayload Payload { get; init; } = new();

    [DataMember(Name = "clientId")]
    public string ClientId { get; init; } = "";
}
