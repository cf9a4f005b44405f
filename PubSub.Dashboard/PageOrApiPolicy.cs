using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace PubSub.Dashboard;

/// <summary>
/// Picks between a dashboard page and an API endpoint that share a path: <c>/nodes</c> and <c>/connections</c> are both
/// the pages and the aliases of <c>GET /api/nodes/</c> and <c>/api/connections/</c> (PROTOCOL.md §8). A request that
/// names <c>text/html</c> in its <c>Accept</c> header (a browser opening the address) gets the page; any other (curl's
/// <c>*/*</c>, a client asking for JSON, no header at all) gets the API's JSON, so the contract is unchanged for clients.
/// Without this the two endpoints are an ambiguous match (500). It only acts where both kinds match one request.
/// </summary>
internal sealed class PageOrApiPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // After the HTTP method policy (-1000 and so on): only endpoints that take the request's method are left to pick from.
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Any(IsPage) && endpoints.Any(e => !IsPage(e));

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        bool pages = false, others = false;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i))
            {
                _ = IsPage(candidates[i].Endpoint) ? pages = true : others = true;
            }
        }

        if (pages && others)
        {
            var wantsPage = WantsHtml(httpContext.Request);
            for (var i = 0; i < candidates.Count; i++)
            {
                if (candidates.IsValidCandidate(i) && IsPage(candidates[i].Endpoint) != wantsPage)
                {
                    candidates.SetValidity(i, false);
                }
            }
        }

        return Task.CompletedTask;
    }

    private static bool IsPage(Endpoint endpoint) => endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null;

    // Browsers send "text/html,application/xhtml+xml,…" for a navigation; fetch() and API clients do not name text/html.
    private static bool WantsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
