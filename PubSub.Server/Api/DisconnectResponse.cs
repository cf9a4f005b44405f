namespace PubSub.Server.Api;

public sealed record DisconnectResponse(string Status, string Connection);
