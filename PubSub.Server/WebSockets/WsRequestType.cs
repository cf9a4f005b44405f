namespace PubSub.Server.WebSockets;

internal enum WsRequestType
{
    Subscribe,
    Unsubscribe,
    Publish,
    Ping,
}
