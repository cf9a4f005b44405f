namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Thrown from the host's start when Redis's eviction policy would lose the broker's data: the node does not start on
/// it. The message is one line saying what to change; a host prints it and exits (the server does, with exit code 1).
/// </summary>
public sealed class RedisPolicyException(string message) : Exception(message);
