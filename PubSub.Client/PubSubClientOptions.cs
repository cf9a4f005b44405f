using Microsoft.Extensions.Options;

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

/// <summary>Checks <see cref="PubSubClientOptions"/>: names the setting and what is wrong.</summary>
internal sealed class PubSubClientOptionsValidator : IValidateOptions<PubSubClientOptions>
{
    public static readonly PubSubClientOptionsValidator Instance = new();

    public ValidateOptionsResult Validate(string? name, PubSubClientOptions options)
    {
        var errors = new List<string>();
        if (options.Urls.Count == 0)
        {
            errors.Add("PubSubClientOptions.Urls: give at least one node address (http://host:8000 or ws://host:8000/ws)");
        }

        foreach (var url in options.Urls)
        {
            if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https" or "ws" or "wss"))
            {
                errors.Add($"PubSubClientOptions.Urls: '{url}' is not an absolute http, https, ws or wss address");
            }
        }

        if (string.IsNullOrEmpty(options.ClientId))
        {
            errors.Add("PubSubClientOptions.ClientId must not be empty");
        }

        if (options.ReconnectDelay <= TimeSpan.Zero || options.MaxReconnectDelay < options.ReconnectDelay)
        {
            errors.Add("PubSubClientOptions.ReconnectDelay must be positive and at most MaxReconnectDelay");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.OperationTimeout <= TimeSpan.Zero)
        {
            errors.Add("PubSubClientOptions.ConnectTimeout and OperationTimeout must be positive");
        }

        if (options.HeartbeatTimeout < TimeSpan.Zero)
        {
            errors.Add("PubSubClientOptions.HeartbeatTimeout must be zero (off) or positive");
        }

        if (options.SubscriptionBufferCapacity < 1)
        {
            errors.Add("PubSubClientOptions.SubscriptionBufferCapacity must be at least 1");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> are not valid.</summary>
    public static void ThrowIfInvalid(PubSubClientOptions options)
    {
        var result = Instance.Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PubSubClientOptions), result.Failures);
        }
    }
}

/// <summary>A node's two addresses: the WebSocket endpoint and the REST base.</summary>
internal readonly record struct NodeAddress(Uri WebSocket, Uri Http)
{
    public static NodeAddress From(Uri url)
    {
        var secure = url.Scheme is "https" or "wss";
        var path = url.AbsolutePath.TrimEnd('/');
        var isWs = url.Scheme is "ws" or "wss";
        var basePath = isWs && (path.EndsWith("/ws", StringComparison.Ordinal)) ? path[..^3] : path;
        var ws = new UriBuilder(url) { Scheme = secure ? "wss" : "ws", Path = basePath + "/ws", Query = "" }.Uri;
        var http = new UriBuilder(url) { Scheme = secure ? "https" : "http", Path = basePath + "/", Query = "" }.Uri;
        return new NodeAddress(ws, http);
    }
}
