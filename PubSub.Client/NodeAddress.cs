namespace PubSub.Client;

/// <summary>A node's two addresses: the WebSocket endpoint and the REST base.</summary>
internal readonly record struct NodeAddress(Uri WebSocket, Uri Http)
{
    public static NodeAddress From(Uri url)
    {
        var secure = url.Scheme is "https" or "wss";
        var path = url.AbsolutePath.TrimEnd('/');
        var isWs = url.Scheme is "ws" or "wss";
        var basePath = isWs && (path.EndsWith("/ws", StringComparison.Ordinal)) ? path[..^3] : path;
        var ws = new UriBuilder(url) { Scheme = secure ? "wss" : "ws", Path = basePath + "/ws", Query = "" }.Uri;
        var http = new UriBuilder(url) { Scheme = secure ? "https" : "http", Path = basePath + "/", Query = "" }.Uri;
        return new NodeAddress(ws, http);
    }
}
