namespace PubSub.Server.Hosting;

/// <summary>Browser origins allowed besides the server's own (PROTOCOL.md §4, "Origins"), key <c>PubSub:AllowedOrigins:N</c>.</summary>
public sealed class OriginOptions
{
    /// <summary>The section the list is bound from: <c>PubSub</c>, so that the key reads <c>PubSub:AllowedOrigins:0</c>.</summary>
    public const string SectionName = "PubSub";

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>, no path) whose pages may open <c>/ws</c>, the hub and the dashboard's
    /// connection and send state-changing REST calls; <c>*</c> allows any. Empty (default): only the server's own.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Whether the list holds <c>*</c>.</summary>
    internal bool AllowsAny => AllowedOrigins.Contains("*");
}
