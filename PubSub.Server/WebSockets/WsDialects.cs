using PubSub.Server.Hosting;

namespace PubSub.Server.WebSockets;

/// <summary>The dialect instance for a configured <see cref="WsDialect"/>.</summary>
internal static class WsDialects
{
    public static IWsDialect For(WsDialect dialect) => dialect switch
    {
        WsDialect.Seed => SeedWsDialect.Instance,
        _ => StandardWsDialect.Instance,
    };
}
