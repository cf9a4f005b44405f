using Microsoft.AspNetCore.Components.Web;

namespace PubSub.Dashboard.Components;

/// <summary>The one render mode of the dashboard.</summary>
internal static class RenderModes
{
    /// <summary>
    /// Interactive Server without prerendering. Prerendering would show controls before the circuit is up
    /// (clicks on them are lost) and run every page's initialization twice.
    /// </summary>
    public static readonly InteractiveServerRenderMode Live = new(prerender: false);
}
