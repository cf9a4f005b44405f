using System.Security.Claims;
using System.Text.Json;
using PubSub.Core.Access;

namespace PubSub.Core.Cluster;

/// <summary>
/// Answers the other nodes' requests about this node's connections (<see cref="ClusterNode"/> asks them): a page of
/// connections, the subscribers of a topic, a close. Every answer is bounded (a page is at most
/// <see cref="ClusterNode.MaxPageSize"/> connections), and each is decided here with the caller's key as this node's
/// own authorizer knows it: what it may see is filtered before it leaves this node, and a close is checked atomically
/// with the close itself (<see cref="PubSubBroker.TryCloseConnection"/>).
/// </summary>
internal sealed class ClusterRequestServer(PubSubBroker broker, IClusterBus? bus)
{
    /// <summary>Starts answering requests sent to this node (and again after every reconnect); nothing without a bus.</summary>
    public void Start() => bus?.Listen(broker.Node.Id, bytes => ValueTask.FromResult(Answer(bytes)));

    internal byte[] Answer(byte[] bytes)
    {
        var request = JsonSerializer.Deserialize(bytes, ClusterJson.Default.ClusterRequest);
        var user = PrincipalOf(request?.Key);
        return request?.Op switch
        {
            "connections" => JsonSerializer.SerializeToUtf8Bytes(
                broker.DescribeConnections(user, Math.Max(0, request.After), Math.Clamp(request.Limit, 1, ClusterNode.MaxPageSize)), ClusterJson.Default.ConnectionPage),
            "subscribers" when request.Topic is { } topic => JsonSerializer.SerializeToUtf8Bytes([.. broker.GetSubscribers(topic)], ClusterJson.Default.ListSubscriberInfo),
            "disconnect" when request.Connection is { } id => JsonSerializer.SerializeToUtf8Bytes(
                new DisconnectAnswer(broker.TryCloseConnection(id, request.Reason ?? "closed by an operator", user)), ClusterJson.Default.DisconnectAnswer),
            _ => [],
        };
    }

    // The caller as the asking node names it: only its key id, so that this node's own authorizer decides that key's
    // rights (a principal of the "cluster" authentication type; null for no key).
    private static ClaimsPrincipal? PrincipalOf(string? keyId) =>
        keyId is null ? null : new(new ClaimsIdentity([new Claim(IPubSubAuthorizer.KeyIdClaim, keyId)], "cluster"));
}
