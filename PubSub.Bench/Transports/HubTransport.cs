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

/// <summary>A hub publisher: <c>Publish</c> invocations, up to the window in flight; each completion is the ack.</summary>
internal sealed class HubPublisher(HubConnection connection, PublisherSpec spec) : IBenchPublisher
{
    private readonly string _clientId = $"bench-p{spec.Index}";
    private readonly string _pad = new('x', Math.Max(0, spec.PayloadBytes - 64));

    public ValueTask SendAsync(int topic, long counter, long sendTicks = 0)
    {
        var request = new HubPublishRequest
        {
            Topic = spec.Topics[topic],
            ClientId = _clientId,
            Payload = new HubBenchPayload
            {
                Bt = sendTicks == 0 ? System.Diagnostics.Stopwatch.GetTimestamp() : sendTicks,
                Bp = spec.Index,
                Bk = topic,
                Bn = counter,
                X = _pad,
            },
        };
        _ = AwaitAckAsync(connection.InvokeAsync<object>("Publish", request));
        return ValueTask.CompletedTask;
    }

    private async Task AwaitAckAsync(Task<object> invocation)
    {
        try
        {
            await invocation;
            spec.Window.Ack();
        }
        catch (Exception ex)
        {
            spec.Window.Error(ex.Message);
        }
    }

    public async ValueTask DisposeAsync() => await connection.DisposeAsync();
}

/// <summary>A hub subscriber: <c>Event</c> and <c>Error</c> handlers feed the sink; pausing blocks the handler, which stops the client's receive loop.</summary>
internal sealed class HubSubscriber : IBenchSubscriber
{
    private readonly HubConnection _connection;
    private readonly ReadGate _gate = new();

    public HubSubscriber(HubConnection connection, IEventSink sink)
    {
        _connection = connection;
        connection.On<object>("Event", evt =>
        {
            if (HubTransport.TryReadEvent(evt, out var ticks, out var publisher, out var topic, out var counter))
            {
                sink.OnEvent(ticks, publisher, topic, counter);
            }
            else
            {
                sink.OnMalformed();
            }

            return _gate.Task ?? Task.CompletedTask;
        });
        connection.On<object>("Error", error =>
        {
            var (code, text) = HubTransport.ReadError(error);
            sink.OnError(code, text);
        });
        connection.On<object>("Info", _ => { });
        connection.Closed += ex =>
        {
            sink.OnClosed(ex is null ? "closed" : $"closed: {ex.Message}");
            return Task.CompletedTask;
        };
    }

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    public async ValueTask DisposeAsync()
    {
        Resume();
        await _connection.DisposeAsync();
    }
}

/// <summary><c>Subscribe</c>'s request (§7).</summary>
[DataContract]
public sealed class HubSubscribeRequest
{
    [DataMember(Name = "topic")]
    public string Topic { get; init; } = "";

    [DataMember(Name = "clientId")]
    public string ClientId { get; init; } = "";

    [DataMember(Name = "lastN")]
    public int LastN { get; init; }
}

/// <summary><c>Publish</c>'s request (§7); no id, so the server assigns one.</summary>
[DataContract]
public sealed class HubPublishRequest
{
    [DataMember(Name = "topic")]
    public string Topic { get; init; } = "";

    [DataMember(Name = "payload")]
    public HubBenchPayload Payload { get; init; } = new();

    [DataMember(Name = "clientId")]
    public string ClientId { get; init; } = "";
}

/// <summary>The bench payload (<see cref="BenchPayload"/>'s fields) as an object both hub protocols serialize.</summary>
[DataContract]
public sealed class HubBenchPayload
{
    [DataMember(Name = "bt")]
    public long Bt { get; init; }

    [DataMember(Name = "bp")]
    public int Bp { get; init; }

    [DataMember(Name = "bk")]
    public int Bk { get; init; }

    [DataMember(Name = "bn")]
    public long Bn { get; init; }

    [DataMember(Name = "x")]
    public string X { get; init; } = "";
}
