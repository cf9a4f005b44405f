using System.Text.Json.Serialization;

namespace PubSub.Core.Cluster;

/// <summary>A request from one node to another over the <see cref="IClusterBus"/>.</summary>
/// <param name="Op"><c>connections</c>, <c>connection</c> (one: <paramref name="Connection"/>), <c>subscribers</c> (of <paramref name="Topic"/>) or <c>disconnect</c> (<paramref name="Connection"/>, telling it <paramref name="Reason"/>).</param>
/// <param name="Connection">The connection to describe or close.</param>
/// <param name="Reason">What its client is told.</param>
/// <param name="Topic">The topic whose subscribers are asked for.</param>
internal sealed record ClusterRequest(string Op, string? Connection = null, string? Reason = null, string? Topic = null);

/// <summary>The answer to a <c>disconnect</c> request.</summary>
internal sealed record DisconnectAnswer(bool Found);

/// <summary>The JSON of node reports and requests between nodes: snake_case, source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NodeReport))]
[JsonSerializable(typeof(ClusterRequest))]
[JsonSerializable(typeof(DisconnectAnswer))]
[JsonSerializable(typeof(List<ConnectionDetails>))]
[JsonSerializable(typeof(List<SubscriberInfo>))]
internal sealed partial class ClusterJson : JsonSerializerContext;
