namespace PubSub.Server.Api;

public sealed record SubscribersResponse(string Topic, int SubscribersCount, List<SubscriberBody> Subscribers);
