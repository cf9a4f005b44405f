namespace PubSub.Server.Api;

public sealed record MessageBody(string Id, long Seq, RawJson Payload, string? PublisherId, DateTimeOffset Ts);
