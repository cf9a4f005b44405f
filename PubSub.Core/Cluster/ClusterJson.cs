using System.Text.Json.Serialization;

namespace PubSub.Core.Cluster;

/// <summary>The JSON of node reports and requests between nodes: snake_case, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(NodeReport))]
[JsonSerializable(typeof(ClusterRequest))]
[JsonSerializable(typeof(DisconnectAnswer))]
[JsonSerializable(typeof(ConnectionPage))]
[JsonSerializable(typeof(List<SubscriberInfo>))]
internal sealed partial class ClusterJson : JsonSerializerContext;
