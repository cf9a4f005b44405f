using PubSub.Bench.Cli;

namespace PubSub.Bench.Transports;

internal static class BenchTransports
{
    public static IBenchTransport Create(BenchOptions o) =>
        o.Transport == TransportKind.Redis || o.Nodes.Count == 0
            ? Create(o, o.Url)
            : new SpreadTransport(o.AllUrls.Select(url => Create(o, url)).ToArray());

    private static IBenchTransport Create(BenchOptions o, Uri url) => o.Transport switch
    {
        TransportKind.Ws => new WsTransport(url, BenchOptions.HttpBaseOf(url), raw: !o.DotnetWsClient),
        TransportKind.HubJson => new HubTransport(BenchOptions.HubUrlOf(url), BenchOptions.HttpBaseOf(url), messagePack: false, rawSubscribers: !o.DotnetHubClient),
        TransportKind.HubMsgPack => new HubTransport(BenchOptions.HubUrlOf(url), BenchOptions.HttpBaseOf(url), messagePack: true, rawSubscribers: false),
        _ => new RedisTransport(o.Redis),
    };
}
