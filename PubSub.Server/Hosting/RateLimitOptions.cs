namespace PubSub.Server.Hosting;

/// <summary>
/// Rate limits, section <c>PubSub:RateLimit</c>: per connection (<c>/ws</c>, the hub) or per key or client address
/// (REST), and per API key across all of its connections. A rate of 0 turns that limit off; a burst of 0 means the rate.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "PubSub:RateLimit";

    /// <summary>Sustained publishes per second per connection (REST: per key or address); 0 (default) is no limit.</summary>
    public int PublishesPerSecond { get; set; }

    /// <summary>Publishes allowed in a burst above the sustained rate; 0 means the same as <see cref="PublishesPerSecond"/>.</summary>
    public int Burst { get; set; }

    /// <summary>
    /// Sustained control requests per second per connection (REST creates and deletes: per key or address): subscribe,
    /// unsubscribe, create, delete, ping, list, hub streams. Default 500, with <see cref="ControlBurst"/> 1000: a client
    /// subscribing to its topics at start never meets it; a flood does.
    /// </summary>
    public int ControlPerSecond { get; set; } = 500;

    /// <summary>Control requests allowed in a burst. Default 1000.</summary>
    public int ControlBurst { get; set; } = 1000;

    /// <summary>
    /// Sustained REST reads per second per API key (or client address without one): topic lists and details, history
    /// pages, <c>/stats</c>. Default 500, with <see cref="ReadBurst"/> 1000: a script paging through a topic's history
    /// never meets it; a flood does. Probes (<c>/health</c>) are not limited.
    /// </summary>
    public int ReadsPerSecond { get; set; } = 500;

    /// <summary>REST reads allowed in a burst. Default 1000.</summary>
    public int ReadBurst { get; set; } = 1000;

    /// <summary>Sustained publishes per second of one API key over all its connections; 0 (default) is no limit.</summary>
    public int KeyPublishesPerSecond { get; set; }

    /// <summary>Publishes one key may burst over all its connections; 0 means <see cref="KeyPublishesPerSecond"/>.</summary>
    public int KeyPublishBurst { get; set; }

    /// <summary>Sustained control requests per second of one API key over all its connections. Default 5000.</summary>
    public int KeyControlPerSecond { get; set; } = 5000;

    /// <summary>Control requests one key may burst over all its connections. Default 10000.</summary>
    public int KeyControlBurst { get; set; } = 10_000;
}
