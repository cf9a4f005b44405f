using System.Text.Json;
using PubSub.Client;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Clients;

/// <summary>Making clients for tests, and reading a subscription with a timeout on every wait.</summary>
internal static class ClientTesting
{
    /// <summary>A client of <paramref name="urls"/> with quick reconnects; <paramref name="configure"/> adjusts the rest.</summary>
    public static PubSubClient Client(IEnumerable<Uri> urls, Action<PubSubClientOptions>? configure = null)
    {
        var options = Options(urls);
        configure?.Invoke(options);
        return new PubSubClient(options);
    }

    public static PubSubClientOptions Options(IEnumerable<Uri> urls)
    {
        var options = new PubSubClientOptions
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
        foreach (var url in urls)
        {
            options.Urls.Add(url);
        }

        return options;
    }

    /// <summary>
    /// The next item of the subscription, within <paramref name="timeout"/>; fails if the stream ended. Tests leave the
    /// enumerator undisposed: after a timeout its read still waits, and disposing it then would throw over the failure.
    /// </summary>
    public static async Task<SubscriptionItem> NextAsync(this IAsyncEnumerator<SubscriptionItem> items, TimeSpan? timeout = null)
    {
        try
        {
            Assert.True(await items.MoveNextAsync().AsTask().WaitAsync(timeout ?? Timeouts.Short), "the subscription ended");
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"nothing arrived on the subscription within {timeout ?? Timeouts.Short}");
        }

        return items.Current;
    }

    /// <summary>Reads items until a message with seq <paramref name="seq"/> (or later) arrives; returns every item read.</summary>
    public static async Task<List<SubscriptionItem>> ReadThroughAsync(this IAsyncEnumerator<SubscriptionItem> items, long seq, TimeSpan? timeout = null)
    {
        var read = new List<SubscriptionItem>();
        var limit = timeout ?? Timeouts.Long;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var left = limit - clock.Elapsed;
            Assert.True(left > TimeSpan.Zero, $"seq {seq} did not arrive within {limit}; read: {string.Join(", ", read.TakeLast(5))}");
            var item = await items.NextAsync(left);
            read.Add(item);
            if (item is PubSubMessage m && m.Seq >= seq)
            {
                return read;
            }
        }
    }

    public static List<long> Seqs(this IEnumerable<SubscriptionItem> items) => items.OfType<PubSubMessage>().Select(m => m.Seq).ToList();

    /// <summary>How many messages the topic's history holds (REST, straight to the server).</summary>
    public static async Task<long> HistoryCountAsync(this TestServer server, string topic)
    {
        var (status, body) = await server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/messages/?limit=100");
        Assert.Equal(200, status);
        return body.GetProperty("total_count").GetInt64();
    }

    public static JsonElement Json(string text) => JsonSerializer.Deserialize<JsonElement>(text);
}
