namespace PubSub.Server.Api;

public sealed record TopicStatusResponse(string Status, string Topic);
