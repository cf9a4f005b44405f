using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

public enum HubProtocolKind
{
    Json,
    MessagePack,
}

/// <summary>One server-to-client call as the test saw it: <c>Event</c>, <c>Info</c> or <c>Error</c>, and its argument.</summary>
internal readonly record struct HubCall(string Method, JsonElement Body)
{
    public override string ToString() => $"{Method} {Body}";
}

/// <summary>
/// The .NET SignalR client on <c>/hubs/pubsub</c>, over WebSockets, with either protocol. Records every
/// <c>Event</c>/<c>Info</c>/<c>Error</c> call in arrival order, and the order in which messages came off the wire
/// (<see cref="Wire"/>), so tests can check what was written before what. Every wait has a timeout.
/// </summary>
internal sealed class HubTestClient : IAsyncDisposable
{
    private readonly Channel<HubCall> _calls = Channel.CreateUnbounded<HubCall>();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubTestClient(HubConnection connection, RecordingProtocol wire, PausableWebSocket? socket)
    {
        Connection = connection;
        WireRecorder = wire;
        Socket = socket;
        foreach (var method in new[] { "Event", "Info", "Error" })
        {
            connection.On(method, [typeof(object)], args =>
            {
                _calls.Writer.TryWrite(new HubCall(method, HubJsonValues.ToJson(args[0])));
                return Task.CompletedTask;
            });
        }

        connection.Closed += ex =>
        {
            _closed.TrySetResult(ex);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    /// <summary>Messages in wire order: <c>completion</c> for an invocation result or error, else the invoked method's name.</summary>
    public IReadOnlyList<string> Wire => WireRecorder.Snapshot();

    /// <summary>Set when the client was made with <c>pausable: true</c>.</summary>
    public PausableWebSocket? Socket { get; }

    /// <summary>Completes with the close error (or null) when the connection closes.</summary>
    public Task<Exception?> Closed => _closed.Task;

    private RecordingProtocol WireRecorder { get; }

    public static async Task<HubTestClient> ConnectAsync(TestServer server, HubProtocolKind protocol, string? apiKey = null, bool pausable = false)
    {
        PausableWebSocket? socket = null;
        var builder = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "/hubs/pubsub"), HttpTransportType.WebSockets, options =>
        {
            if (apiKey is not null)
            {
                options.Headers["X-API-Key"] = apiKey;
            }

            if (pausable)
            {
                options.SkipNegotiation = true;
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var ws = new ClientWebSocket();
                    await ws.ConnectAsync(context.Uri, cancellationToken);
                    return socket = new PausableWebSocket(ws);
                };
            }
        });
        if (protocol == HubProtocolKind.MessagePack)
        {
            builder.AddMessagePackProtocol();
        }

        // Wrap whichever protocol the builder registered, to record the wire order of incoming messages.
        var inner = builder.Services.BuildServiceProvider().GetServices<IHubProtocol>().Last();
        var wire = new RecordingProtocol(inner);
        builder.Services.AddSingleton<IHubProtocol>(wire);
        var connection = builder.Build();
        await connection.StartAsync().Within();
        return new HubTestClient(connection, wire, socket);
    }

    /// <summary>Invokes <paramref name="method"/> with one request object (or none) and returns the result as JSON.</summary>
    public async Task<JsonElement> InvokeAsync(string method, object? request = null)
    {
        var result = request is null
            ? await Connection.InvokeCoreAsync<object>(method, []).Within()
            : await Connection.InvokeCoreAsync<object>(method, [request]).Within();
        return HubJsonValues.ToJson(result);
    }

    /// <summary>Invokes and expects a <see cref="HubException"/>; returns its message.</summary>
    public async Task<string> InvokeFailsAsync(string method, object? request = null)
    {
        var ex = await Assert.ThrowsAsync<HubException>(() => InvokeAsync(method, request));
        return ex.Message;
    }

    public Task<JsonElement> SubscribeAsync(string topic, string clientId = "c1", int? lastN = null, long? sinceSeq = null)
    {
        var request = new Dictionary<string, object?> { ["topic"] = topic, ["clientId"] = clientId };
        if (lastN is not null)
        {
            request["lastN"] = lastN;
        }

        if (sinceSeq is not null)
        {
            request["sinceSeq"] = sinceSeq;
        }

        return InvokeAsync("Subscribe", request);
    }

    public Task<JsonElement> PublishAsync(string topic, object? payload, string? id = null, string clientId = "p1") =>
        InvokeAsync("Publish", new Dictionary<string, object?> { ["topic"] = topic, ["payload"] = payload, ["id"] = id, ["clientId"] = clientId });

    /// <summary>The next server-to-client call, whatever it is.</summary>
    public async Task<HubCall> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Short);
        try
        {
            return await _calls.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no Event/Info/Error call within {timeout ?? Timeouts.Short}");
        }
    }

    /// <summary>The next call, which must be <paramref name="method"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string method, TimeSpan? timeout = null)
    {
        var call = await NextAsync(timeout);
        Assert.True(call.Method == method, $"expected {method}, got {call}");
        return call.Body;
    }

    /// <summary>Asserts that no call arrives for a short while.</summary>
    public async Task ExpectSilenceAsync()
    {
        using var cts = new CancellationTokenSource(Timeouts.Quiet);
        try
        {
            var call = await _calls.Reader.ReadAsync(cts.Token);
            Assert.Fail($"expected no call, got {call}");
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void ClearWire() => WireRecorder.Clear();

    public async ValueTask DisposeAsync()
    {
        Socket?.Resume();
        try
        {
            await Connection.DisposeAsync().AsTask().WaitAsync(Timeouts.Short);
        }
        catch (Exception ex) when (ex is TimeoutException or WebSocketException or OperationCanceledException)
        {
        }
    }

    /// <summary>Delegates to the real protocol and notes each parsed message, in the order the receive loop parses them.</summary>
    private sealed class RecordingProtocol(IHubProtocol inner) : IHubProtocol
    {
        private readonly List<string> _seen = [];

        public string Name => inner.Name;

        public int Version => inner.Version;

        public TransferFormat TransferFormat => inner.TransferFormat;

        public IReadOnlyList<string> Snapshot()
        {
            lock (_seen)
            {
                return _seen.ToList();
            }
        }

        public void Clear()
        {
            lock (_seen)
            {
                _seen.Clear();
            }
        }

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
        {
            if (!inner.TryParseMessage(ref input, binder, out message))
            {
                return false;
            }

            var what = message switch
            {
                CompletionMessage => "completion",
                InvocationMessage invocation => invocation.Target,
                _ => null,
            };
            if (what is not null)
            {
                lock (_seen)
                {
                    _seen.Add(what);
                }
            }

            return true;
        }

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

        public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
    }
}
