namespace PubSub.Server.Api;

public sealed record MessagesResponse(string Topic, List<MessageBody> Messages, int TotalCount, int Limit, int Offset);
