using Microsoft.AspNetCore.Mvc.Filters;
using PubSub.Core;

namespace PubSub.Server.Api;

/// <summary>
/// Any <see cref="PubSubException"/> out of a controller (a read while the Redis engine cannot reach Redis, say)
/// gets the same JSON error and status as the ones the actions answer themselves: 503 <c>UNAVAILABLE</c>, never 500.
/// </summary>
internal sealed class PubSubExceptionFilter : IExceptionFilter
{
    public void OnException(ExceptionContext context)
    {
        if (context.Exception is PubSubException ex)
        {
            context.Result = ApiErrors.FromException(ex);
            context.ExceptionHandled = true;
        }
    }
}
