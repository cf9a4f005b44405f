using PubSub.Core.Delivery;

namespace PubSub.Core.Cluster;

/// <summary>The answer to a <c>disconnect</c> request.</summary>
internal sealed record DisconnectAnswer(CloseOutcome Outcome);
