using PubSub.Bench.Cli;

namespace PubSub.Bench.Transports;

internal static class BenchTransports
{
    public static IBenchTransport Create(BenchOptions o) => o.Transport switch
    {
        TransportKind.Ws => new WsTransport(o.Url, o.HttpBase, raw: !o.DotnetWsClient),
        TransportKind.HubJson => new HubTransport(o.HubUrl, o.HttpBase, messagePack: false, rawSubscribers: !o.DotnetHubClient),
        TransportKind.HubMsgPack => new HubTransport(o.HubUrl, o.HttpBase, messagePack: true, rawSubscribers: false),
        _ => new RedisTransport(o.Redis),
    };
}
