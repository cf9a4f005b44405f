using Microsoft.AspNetCore.Connections;

namespace PubSub.Server.WebSockets;

/// <summary>
/// On an HTTP request's connection (<see cref="ConnectionHandoff"/>): ends the request's hold on the connection
/// and runs a session on the bare connection instead, once the request is done.
/// </summary>
internal interface IConnectionHandoffFeature
{
    /// <summary>
    /// Call after the response is written and flushed (the 101), with nothing of the request body being read.
    /// True: the request's reads now end and its writes go nowhere; return from it, and <paramref name="session"/>
    /// runs on the connection when the HTTP layer has let go. False: nothing changed (a read was open).
    /// </summary>
    bool TryHandOff(Func<ConnectionContext, Task> session);
}
