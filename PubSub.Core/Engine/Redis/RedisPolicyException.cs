namespace PubSub.Core.Engine.Redis;

/// <summary>Redis's eviction policy would lose the broker's data: the node does not start on it.</summary>
internal sealed class RedisPolicyException(string message) : Exception(message);
