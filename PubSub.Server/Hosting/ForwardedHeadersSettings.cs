namespace PubSub.Server.Hosting;

/// <summary>
/// Reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the node believes, section
/// <c>PubSub:ForwardedHeaders</c>. With none listed (the default) the headers are ignored: anyone could send them.
/// With a proxy listed, a request from it gets the client's address (connection lists, rate limits by address) and
/// scheme (the origin check, behind a TLS proxy) from them, through ASP.NET Core's forwarded-headers middleware.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string SectionName = "PubSub:ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>172.28.0.0/16</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Proxy hops to unwind from <c>X-Forwarded-For</c>. Default 1.</summary>
    public int ForwardLimit { get; set; } = 1;

    internal bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}
