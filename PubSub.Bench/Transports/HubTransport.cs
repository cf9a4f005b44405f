using System.Globalization;
using System.Runtime.Serialization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// The SignalR hub <c>/hubs/pubsub</c> (PROTOCOL.md §7) through the .NET SignalR client, with the JSON or the
/// MessagePack hub protocol, WebSockets only (no negotiate round trip). Requests are small DTOs named for both
/// protocols: camelCase by the JSON protocol's naming policy, and by <see cref="DataMemberAttribute"/> names for
/// MessagePack's contractless resolver. Events arrive as <see cref="object"/>, i.e. a <see cref="JsonElement"/>
/// (JSON) or a string-keyed map (MessagePack), so the reader does not depend on the server's DTO types.
/// </summary>
internal sealed class HubTransport(Uri hubUrl, Uri httpBase, bool messagePack, bool rawSubscribers) : IBenchTransport
{
    private readonly RestTopics _rest = new(httpBase);

    public string Name => messagePack ? "hub-msgpack" : "hub-json";

    private Uri HubWebSocketUrl => new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == "https" ? "wss" : "ws" }.Uri;

    public Task PrepareTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => _rest.CreateAsync(topics, cancellationToken);

    public Task CleanupTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => _rest.DeleteAsync(topics, cancellationToken);

    public async Task<IBenchPublisher> ConnectPublisherAsync(PublisherSpec spec, CancellationToken cancellationToken)
    {
        var connection = Build();
        await connection.StartAsync(cancellationToken);
        return new HubPublisher(connection, spec);
    }

    public async Task<IBenchSubscriber> ConnectSubscriberAsync(SubscriberSpec spec, IEventSink sink, CancellationToken cancellationToken)
    {
        if (rawSubscribers && !messagePack)
        {
            var socket = await RawWebSocket.ConnectAsync(HubWebSocketUrl, spec.Source, spec.ReceiveBufferBytes, spec.SmallSocketBuffer, cancellationToken);
            var raw = new RawHubSubscriber(socket, spec, sink);
            try
            {
                await raw.SubscribeAsync(cancellationToken);
                return raw;
            }
            catch
            {
                await raw.DisposeAsync();
                throw;
            }
        }

        var connection = Build();
        var subscriber = new HubSubscriber(connection, sink);
        try
        {
            await connection.StartAsync(cancellationToken);
            foreach (var topic in spec.Topics)
            {
                await connection.InvokeAsync<object>("Subscribe", new HubSubscribeRequest { Topic = topic, ClientId = $"bench-s{spec.Index}", LastN = 0 }, cancellationToken);
            }

            return subscriber;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private HubConnection Build()
    {
        var builder = new HubConnectionBuilder().WithUrl(hubUrl, o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
        });
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        return builder.Build();
    }

    public ValueTask DisposeAsync()
    {
        _rest.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads the bench payload out of an <c>Event</c> argument, whichever protocol decoded it.</summary>
    internal static bool TryReadEvent(object? evt, out long ticks, out int publisher, out int topic, out long counter)
    {
        ticks = counter = 0;
        publisher = topic = 0;
        switch (evt)
        {
            case JsonElement { ValueKind: JsonValueKind.Object } json:
                if (!(json.TryGetProperty("payload", out var p) || json.TryGetProperty("Payload", out p)) || p.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }

                if (p.TryGetProperty("bt", out var bt) && p.TryGetProperty("bp", out var bp) && p.TryGetProperty("bk", out var bk) && p.TryGetProperty("bn", out var bn))
                {
                    ticks = bt.GetInt64();
                    publisher = bp.GetInt32();
                    topic = bk.GetInt32();
                    counter = bn.GetInt64();
                    return true;
                }

                return false;

            case IDictionary<object, object> map:
                if (Find(map, "payload") is not IDictionary<object, object> payload)
                {
                    return false;
                }

                if (Find(payload, "bt") is { } t && Find(payload, "bp") is { } pub && Find(payload, "bk") is { } k && Find(payload, "bn") is { } n)
                {
                    ticks = Convert.ToInt64(t, CultureInfo.InvariantCulture);
                    publisher = Convert.ToInt32(pub, CultureInfo.InvariantCulture);
                    topic = Convert.ToInt32(k, CultureInfo.InvariantCulture);
                    counter = Convert.ToInt64(n, CultureInfo.InvariantCulture);
                    return true;
                }

                return false;

            default:
                return false;
        }
    }

    /// <summary>The error code of an <c>Error</c> argument (<c>{code, message, ts}</c>).</summary>
    internal static (string Code, string Text) ReadError(object? error) => error switch
    {
        JsonElement { ValueKind: JsonValueKind.Object } json =>
            ((json.TryGetProperty("code", out var c) || json.TryGetProperty("Code", out c)) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "ERROR", json.GetRawText()),
        IDictionary<object, object> map => (Find(map, "code") as string ?? "ERROR", string.Join(", ", map.Select(kv => $"{kv.Key}={kv.Value}"))),
        _ => ("ERROR", error?.ToString() ?? "null"),
    };

    private static object? Find(IDictionary<object, object> map, string key)
    {
        foreach (var (k, v) in map)
        {
            if (k is string s && string.Equals(s, key, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }
}
