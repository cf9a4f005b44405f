using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PubSub.Client;

/// <summary>
/// One long-lived connection to a PubSub broker over <c>/ws</c> (PROTOCOL.md §2–5, §8, §11). It connects on first use
/// and, whenever the connection ends (a node killed, the network cut, a server silent past
/// <see cref="PubSubClientOptions.HeartbeatTimeout"/>), reconnects to the next of
/// <see cref="PubSubClientOptions.Urls"/> with jittered exponential backoff, subscribes again from each subscription's
/// last delivered <c>(epoch, seq)</c>, and re-sends every publish not yet acknowledged with its idempotency key.
/// Thread-safe; dispose it to close the connection and end every subscription.
/// </summary>
public sealed partial class PubSubClient : IAsyncDisposable
{
    private readonly PubSubClientOptions _options;
    private readonly ILogger _logger;
    private readonly NodeAddress[] _nodes;
    private readonly CancellationTokenSource _stopping = new();

    // Guards everything below: the current connection and what must be (re)sent on it.
    private readonly Lock _gate = new();
    private WsConnection? _current;
    private readonly Dictionary<string, SubscriptionState> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SubscriptionState> _subscribeRequests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingPublish> _publishes = new(StringComparer.Ordinal);
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _running;
    private long _requestCounter;
    private bool _disposed;

    /// <summary>Creates a client with <paramref name="options"/> (validated here); it connects on first use.</summary>
    public PubSubClient(PubSubClientOptions options, ILogger<PubSubClient>? logger = null)
    {
        PubSubClientOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _nodes = options.Urls.Select(NodeAddress.From).ToArray();
    }

    /// <summary>The constructor for dependency injection (<see cref="PubSubClientServiceCollectionExtensions.AddPubSubClient"/>).</summary>
    public PubSubClient(IOptions<PubSubClientOptions> options, ILogger<PubSubClient> logger)
        : this(options.Value, logger)
    {
    }

    /// <summary>
    /// Raised when a connection is made (<see cref="ConnectionChangedEventArgs.Url"/> set) or lost (null, with the
    /// reason when there was one). Called on the client's connection loop: return quickly.
    /// </summary>
    public event EventHandler<ConnectionChangedEventArgs>? ConnectionChanged;

    /// <summary>The node the client is connected to now, or null between connections.</summary>
    public Uri? ConnectedTo
    {
        get
        {
            lock (_gate)
            {
                return _current?.Url;
            }
        }
    }

    /// <summary>
    /// Waits until the client is connected (starting it if it is not yet). Optional: subscribing and publishing connect
    /// too. Throws <see cref="PubSubException"/> (<c>UNAUTHORIZED</c>) when a node refuses the API key, or
    /// (<c>UNAVAILABLE</c>) when no node answered within <see cref="PubSubClientOptions.OperationTimeout"/>.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        Task connected;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureRunning();
            connected = _connected.Task;
        }

        await WaitAsync(connected, "connect", cancellationToken);
    }

    /// <summary>
    /// Subscribes to <paramref name="topic"/> from <paramref name="from"/> (default <see cref="SubscribeFrom.Now"/>) and
    /// returns when the server has acknowledged it. A topic has at most one subscription per client at a time.
    /// </summary>
    /// <exception cref="PubSubException">The server refused it (<c>TOPIC_NOT_FOUND</c>, <c>FORBIDDEN</c>, …), or no node acknowledged it in time (<c>UNAVAILABLE</c>).</exception>
    public async Task<PubSubSubscription> SubscribeAsync(string topic, SubscribeFrom? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var state = new SubscriptionState(topic, from ?? SubscribeFrom.Now, _options.SubscriptionBufferCapacity);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_subscriptions.TryAdd(topic, state))
            {
                throw new InvalidOperationException($"this client is subscribed to '{topic}' already; dispose that subscription first");
            }

            EnsureRunning();
            if (_current is { } connection)
            {
                SendSubscribe(connection, state);
            }
        }

        try
        {
            await WaitAsync(state.FirstAck.Task, $"subscribe to '{topic}'", cancellationToken);
        }
        catch
        {
            await UnsubscribeAsync(state);
            throw;
        }

        return new PubSubSubscription(state, this);
    }

    /// <summary>Publishes <paramref name="payload"/> (serialized with <see cref="JsonSerializer"/>) to <paramref name="topic"/>.</summary>
    /// <inheritdoc cref="PublishAsync(string, JsonElement, PublishOptions?, CancellationToken)"/>
    public Task<PublishResult> PublishAsync<T>(string topic, T payload, PublishOptions? options = null, CancellationToken cancellationToken = default) =>
        PublishAsync(topic, JsonSerializer.SerializeToElement(payload), options, cancellationToken);

    /// <summary>
    /// Publishes <paramref name="payload"/> to <paramref name="topic"/> and returns its acknowledgement. Sent with an
    /// idempotency key; when the connection drops before the ack, or the server answers <c>UNAVAILABLE</c>, it is sent
    /// again with the same key (on the next connection) until acknowledged or
    /// <see cref="PubSubClientOptions.OperationTimeout"/> passes. Publishes of one client go out in call order, and are
    /// sent again in that order on a new connection; one sent again after <c>UNAVAILABLE</c> (after a backoff) may be
    /// stored after publishes made later.
    /// </summary>
    /// <param name="topic">The topic, which must exist.</param>
    /// <param name="payload">Any JSON value.</param>
    /// <param name="options">Message id, idempotency key, publisher id; generated when not given.</param>
    /// <param name="cancellationToken">Stops waiting; a publish already sent may still be carried out.</param>
    /// <exception cref="PubSubException">The server refused it (<c>TOPIC_NOT_FOUND</c>, <c>FORBIDDEN</c>, <c>BAD_REQUEST</c>, …), or no ack came in time (<c>UNAVAILABLE</c>).</exception>
    public async Task<PublishResult> PublishAsync(string topic, JsonElement payload, PublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var order = Interlocked.Increment(ref _requestCounter);
        var requestId = "p" + order.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var id = options?.MessageId ?? Guid.NewGuid().ToString();
        var key = options?.IdempotencyKey ?? Guid.NewGuid().ToString();
        var publish = new PendingPublish(order, requestId, topic, ClientFrames.Publish(requestId, topic, options?.ClientId ?? _options.ClientId, id, payload, key));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _publishes.Add(requestId, publish);
            EnsureRunning();
            if (_current is { } connection)
            {
                SendPublish(connection, publish);
            }
        }

        try
        {
            await WaitAsync(publish.Result.Task, $"publish to '{topic}'", cancellationToken);
            return publish.Result.Task.Result;
        }
        finally
        {
            lock (_gate)
            {
                _publishes.Remove(requestId);
            }
        }
    }

    /// <summary>Closes the connection, ends every subscription's enumeration and fails publishes still waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            running = _running;
        }

        await _stopping.CancelAsync();
        if (running is not null)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        lock (_gate)
        {
            foreach (var state in _subscriptions.Values)
            {
                state.Items.Writer.TryComplete();
                state.FirstAck.TrySetException(new ObjectDisposedException(nameof(PubSubClient)));
            }

            foreach (var publish in _publishes.Values)
            {
                publish.Result.TrySetException(new ObjectDisposedException(nameof(PubSubClient)));
            }

            _connected.TrySetException(new ObjectDisposedException(nameof(PubSubClient)));
            _subscriptions.Clear();
        }

        _stopping.Dispose();
    }

    internal async ValueTask UnsubscribeAsync(SubscriptionState state)
    {
        WsConnection? connection;
        lock (_gate)
        {
            if (!_subscriptions.Remove(state.Topic, out var current) || current != state)
            {
                if (current is not null)
                {
                    _subscriptions[state.Topic] = current; // another subscription of that topic, not this one
                }

                return;
            }

            state.Items.Writer.TryComplete();
            connection = state.AckedOn is { } acked && acked == _current ? acked : null;
        }

        // The ack is not waited for: events of the topic that still arrive find no subscription and are dropped.
        connection?.Send(ClientFrames.Unsubscribe(NextRequestId("u"), state.Topic, _options.ClientId));
        await Task.CompletedTask;
    }

    /// <summary>Waits for <paramref name="task"/>, bounded by the operation timeout and the caller's token.</summary>
    private async Task WaitAsync(Task task, string what, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(_options.OperationTimeout, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new PubSubException(
                PubSubErrorCodes.Unavailable,
                $"{what}: no acknowledgement within {_options.OperationTimeout.TotalSeconds:0.###} s ({ConnectionSummary()}); a publish may have been carried out, and is re-sent with its idempotency key if retried with it",
                ex);
        }
    }

    private string ConnectionSummary()
    {
        lock (_gate)
        {
            return _current is { } c ? $"connected to {c.Url}" : $"not connected to any of {string.Join(", ", _nodes.Select(n => n.WebSocket))}";
        }
    }

    private string NextRequestId(string prefix) =>
        prefix + Interlocked.Increment(ref _requestCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void EnsureRunning() => _running ??= Task.Run(RunAsync);
}
