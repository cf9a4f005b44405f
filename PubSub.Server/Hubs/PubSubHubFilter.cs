using Microsoft.AspNetCore.SignalR;
using PubSub.Core;

namespace PubSub.Server.Hubs;

/// <summary>
/// Turns what a hub method throws into the <see cref="HubException"/> of PROTOCOL.md §7, whose message starts
/// with the error code: <c>TOPIC_NOT_FOUND: topic 'orders' does not exist</c>. Anything unexpected becomes
/// <c>INTERNAL</c> (logged, details kept off the wire); the connection survives it.
/// </summary>
internal sealed partial class PubSubHubFilter(ILogger<PubSubHubFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (PubSubException ex)
        {
            throw ToHubException(ex);
        }
        catch (HubException)
        {
            throw;
        }
        catch (OperationCanceledException) when (invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            throw; // the connection went away mid-call; nobody is left to answer
        }
        catch (Exception ex)
        {
            Log.InvocationFailed(logger, ex, invocationContext.HubMethodName, invocationContext.Context.ConnectionId);
            throw new HubException("INTERNAL: internal error; the request was not carried out");
        }
    }

    public static HubException ToHubException(PubSubException ex) => new($"{PubSubException.WireName(ex.Code)}: {ex.Message}");

    private static partial class Log
    {
        [LoggerMessage(321, LogLevel.Error, "Hub method {Method} failed on connection {ConnectionId}")]
        public static partial void InvocationFailed(ILogger logger, Exception exception, string method, string connectionId);
    }
}
