namespace PubSub.Client;

/// <summary>Settings of a <see cref="PubSubClient"/> and a <see cref="PubSubRestClient"/>. Validated when the client is created.</summary>
public sealed class PubSubClientOptions
{
    /// <summary>
    /// The nodes of one broker, tried in turn: base addresses (<c>http://host:8000</c>) or WebSocket addresses
    /// (<c>ws://host:8000/ws</c>); the other form is derived. At least one.
    /// </summary>
    public IList<Uri> Urls { get; } = [];

    /// <summary>The API key, sent as <c>X-API-Key</c>; null when the server has auth off.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The <c>client_id</c> of subscriptions and publishes; default <c>dotnet-</c> and a random suffix.</summary>
    public string ClientId { get; set; } = "dotnet-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The first reconnect delay; each failed attempt doubles it up to <see cref="MaxReconnectDelay"/>, with jitter (default 200 ms).</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest reconnect delay (default 10 s).</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one connection attempt (TCP and WebSocket upgrade) may take (default 5 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A connection on which nothing arrives for this long is taken for dead and replaced (default 75 s: two and a half
    /// of the server's default 30 s heartbeat). After half of it in silence the client sends a <c>ping</c> itself, so a
    /// server with its heartbeat off is not taken for dead. <see cref="TimeSpan.Zero"/> turns the watch off.
    /// </summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// How long a subscribe or publish waits for its acknowledgement, across reconnects, before it fails with
    /// <see cref="PubSubErrorCodes.Unavailable"/> (default 30 s). A REST call's timeout too.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Items a subscription holds for the application before the client stops reading the connection (default 10,000).
    /// Reading stops for every subscription of the client, and the server's overflow policy then applies: read
    /// promptly, and do not wait inside a subscription's loop for something that needs the connection to be read.
    /// </summary>
    public int SubscriptionBufferCapacity { get; set; } = 10_000;
}
