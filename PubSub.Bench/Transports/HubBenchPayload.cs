using System.Runtime.Serialization;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>The bench payload (<see cref="BenchPayload"/>'s fields) as an object both hub protocols serialize.</summary>
[DataContract]
public sealed class HubBenchPayload
{
    [DataMember(Name = "bt")]
    public long Bt { get; init; }

    [DataMember(Name = "bp")]
    public int Bp { get; init; }

    [DataMember(Name = "bk")]
    public int Bk { get; init; }

    [DataMember(Name = "bn")]
    public long Bn { get; init; }

    [DataMember(Name = "x")]
    public string X { get; init; } = "";
}
